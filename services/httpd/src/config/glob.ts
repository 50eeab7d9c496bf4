// Minimal glob(3) for `include "conf.d/*.conf"` (lighttpd calls glob() with GLOB_BRACE):
// `*`, `?`, `[...]` and `{a,b}`; a leading dot is matched only explicitly; results sorted.
import fs from 'node:fs';
import path from 'node:path';

const META = /[*?[]/;

export const hasGlobMeta = (p: string): boolean => /[*?[\]{}]/.test(p);

/** Expands `{a,b}` groups (nested ones too) into separate patterns. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        const cuts = [open, ...commas, i];
        const out: string[] = [];
        for (let k = 0; k + 1 < cuts.length; k++) {
          const alt = pattern.slice((cuts[k] as number) + 1, cuts[k + 1]);
          out.push(...expandBraces(head + alt + tail));
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

function segmentRegex(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** Paths matching `pattern` (relative patterns resolve against `cwd`, results keep the pattern's form). */
export function glob(pattern: string, cwd: string): string[] {
  const found = new Set<string>();
  for (const p of expandBraces(pattern)) for (const m of globOne(p, cwd)) found.add(m);
  return [...found].sort();
}

function globOne(pattern: string, cwd: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases: string[] = [absolute ? '/' : ''];
  for (const seg of absolute ? segments.slice(1) : segments) {
    const next: string[] = [];
    for (const base of bases) {
      if (!META.test(seg)) {
        next.push(base + seg + '/');
        continue;
      }
      const re = segmentRegex(seg);
      let names: string[];
      try {
        names = fs.readdirSync(path.resolve(cwd, base === '' ? '.' : base));
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(name)) next.push(base + name + '/');
      }
    }
    bases = next;
  }
  return bases
    .map((b) => b.slice(0, -1))
    .filter((p) => p !== '' && fs.existsSync(path.resolve(cwd, p)));
}
