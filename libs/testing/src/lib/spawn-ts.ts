// Test helper: start a TypeScript entry point as a real child process (through tsx), with the
// workspace's path aliases resolved whatever the child's working directory is.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

export const workspaceRoot = path.resolve(__dirname, '../../../..');

export function tsNodeArgs(file: string, args: readonly string[] = []): string[] {
  return ['--import', require.resolve('tsx'), file, ...args];
}

export function tsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, TSX_TSCONFIG_PATH: path.join(workspaceRoot, 'tsconfig.json'), ...extra };
}

export function spawnTs(file: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, tsNodeArgs(file, args), { stdio: 'pipe', ...options, env: tsEnv(options.env) });
}
