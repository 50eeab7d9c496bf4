// Unit-file text helpers: quoting for ExecStart= command lines as systemd.service(5) parses them
// ("Command lines": double-quoted words, backslash escapes, % specifiers doubled).

/** One ExecStart= value: every word double-quoted, so paths with spaces or specials stay one argument. */
export function execLine(argv: readonly string[]): string {
  return argv.map((arg) => `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`).join(' ');
}

/** A unit file from sections of key=value lines; arrays repeat the key (Environment=, ListenStream=). */
export function unitFile(sections: Record<string, Record<string, string | number | readonly string[]>>): string {
  const lines: string[] = [];
  for (const [section, entries] of Object.entries(sections)) {
    lines.push(`[${section}]`);
    for (const [key, value] of Object.entries(entries)) {
      const values = Array.isArray(value) ? value : [String(value)];
      for (const v of values) lines.push(`${key}=${v}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
