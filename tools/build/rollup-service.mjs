// Rollup config factory for a service bundle: one CommonJS file per command, libs inlined,
// npm dependencies (and the native sd-notify addon) left to node_modules.
import path from 'node:path';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import alias from '@rollup/plugin-alias';
import swc from '@rollup/plugin-swc';

const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rootPackage = createRequire(import.meta.url)(path.join(workspaceRoot, 'package.json'));
const external = new Set([
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(rootPackage.dependencies ?? {}),
]);

/** @param {{ input: string, file: string }} entry paths relative to the workspace root */
export function serviceBundle(entry) {
  return {
    input: path.join(workspaceRoot, entry.input),
    external: (id) => external.has(id) || external.has(id.split('/')[0]),
    plugins: [
      alias({
        entries: [{ find: /^@libs\/([a-z-]+)$/, replacement: path.join(workspaceRoot, 'libs/$1/src/index.ts') }],
      }),
      nodeResolve({ extensions: ['.ts', '.js', '.json'], preferBuiltins: true }),
      swc({ swc: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, sourceMaps: true } }),
    ],
    output: {
      file: path.join(workspaceRoot, entry.file),
      format: 'cjs',
      sourcemap: true,
      banner: '#!/usr/bin/env node',
    },
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY') throw new Error(warning.message);
      warn(warning);
    },
  };
}
