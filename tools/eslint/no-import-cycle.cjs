// ESLint rule: no runtime import cycle among a project's own files (relative imports). Type-only
// imports (`import type`, `export type`) vanish at compile time and are not edges. The graph is read
// from disk once per lint run; a cycle is reported at the import that starts it.
const fs = require('node:fs');
const path = require('node:path');

const IMPORT = /(?:^|[;\n])\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
const edges = new Map();

function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (f.endsWith('.ts') && fs.existsSync(f)) return f;
  }
  return null;
}

function importsOf(file) {
  let out = edges.get(file);
  if (out !== undefined) return out;
  out = [];
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(IMPORT)) {
    const target = resolve(file, m[1]);
    if (target !== null) out.push(target);
  }
  edges.set(file, out);
  return out;
}

/** A path from `start` back to `target`, or null. */
function pathBack(start, target) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, trail] = stack.pop();
    if (file === target) return trail;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of importsOf(file)) stack.push([next, [...trail, next]]);
  }
  return null;
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid runtime import cycles between relative modules' },
    schema: [],
    messages: { cycle: 'import cycle: {{chain}}' },
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const check = (node) => {
      if (node.importKind === 'type' || node.exportKind === 'type' || node.source === null || node.source === undefined) return;
      const spec = node.source.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      if (node.specifiers !== undefined && node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')) return;
      const target = resolve(file, spec);
      if (target === null) return;
      const back = pathBack(target, file);
      if (back === null) return;
      const root = path.dirname(file);
      context.report({ node, messageId: 'cycle', data: { chain: [file, ...back].map((f) => path.relative(root, f) || path.basename(f)).join(' -> ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
