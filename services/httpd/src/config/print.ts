// `-p` output: the parsed configuration in lighttpd's internal form, laid out as
// lighttpd 1.4.69's configfile.c config_print() does (so the two can be diffed).
import type { ConfigContext, ConfigTree } from './tree';
import type { ConfigArray, ConfigValue } from './values';

const indent = (depth: number): string => ' '.repeat(depth * 4);

/** Strings print as written, with `"` escaped and nothing else. */
const printString = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;

function printValue(v: ConfigValue, depth: number): string {
  switch (v.type) {
    case 'string':
      return printString(v.value);
    case 'integer':
      return String(v.value);
    case 'array':
      return printArray(v, depth);
  }
}

function printArray(a: ConfigArray, depth: number): string {
  const items = a.items;
  // short lists of scalars without keys go on one line
  if (items.length <= 5 && (items.length === 0 || items[0]?.key === null) && items.every((i) => i.value.type !== 'array')) {
    return `(${items.map((i) => printValue(i.value, depth + 1)).join(', ')})`;
  }
  const width = Math.max(0, ...items.map((i) => (i.key ?? '').length));
  let out = '(\n';
  for (const i of items) {
    out += indent(depth + 1);
    if (i.key !== null) out += `"${i.key}"${' '.repeat(width - i.key.length)} => `;
    out += `${printValue(i.value, depth + 1)},\n`;
  }
  return `${out}${indent(depth)})`;
}

function printContext(tree: ConfigTree, c: ConfigContext, depth: number): string {
  let out: string;
  if (c.kind === 'global') out = 'config {\n';
  else out = `${c.kind === 'else' ? '' : `${c.condition?.text ?? ''} `}{\n${indent(depth + 1)}# block ${c.index}\n`;
  const inner = depth + 1;
  const keys = [...c.directives.keys()];
  const width = Math.max(0, ...keys.map((k) => k.length));
  for (const d of c.directives.values()) {
    out += `${indent(inner)}${d.key}${' '.repeat(width - d.key.length)} = ${printValue(d.value, inner)}\n`;
  }
  out += '\n';
  for (const childIndex of c.children) {
    const child = tree.contexts[childIndex] as ConfigContext;
    // an else chain prints from its first block
    if (child.prev !== null) continue;
    out += `\n${indent(inner)}${printContext(tree, child, inner)}\n`;
  }
  out += `${indent(depth)}}`;
  if (c.kind !== 'global') out += ` # end of ${c.kind === 'else' ? 'else' : (c.condition?.text ?? '')}`;
  if (c.next !== null) {
    out += `\n${indent(depth)}else ${printContext(tree, tree.contexts[c.next] as ConfigContext, depth)}`;
  }
  return out;
}

/** The whole tree as `lighttpd -p` prints it (without the trailing newline). */
export function printConfig(tree: ConfigTree): string {
  return printContext(tree, tree.global, 0);
}
