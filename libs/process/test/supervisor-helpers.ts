// Shared pieces of the Supervisor process-level tests: the fixture worker, a recording log, a
// socket only the workers accept on, a client that asks which worker answered.
import net from 'node:net';
import path from 'node:path';
import { tsEnv, tsNodeArgs } from '@libs/testing';
import type { ServiceLog } from '@libs/log';
import { bindInheritableSocket, Supervisor, type InheritableSocket, type SupervisorOptions, type WorkerSpec } from '../src';

const fixture = path.join(__dirname, 'fixtures/worker-fixture.ts');
const supervisors: Supervisor[] = [];
const sockets: InheritableSocket[] = [];

export function recorder(): ServiceLog & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`);
  return { lines, error: rec('error'), warn: rec('warn'), notice: rec('notice'), info: rec('info'), debug: rec('debug') };
}

export function jsSpec(mode: string, env: NodeJS.ProcessEnv = {}, extra: Partial<WorkerSpec> = {}): WorkerSpec {
  return { command: process.execPath, args: tsNodeArgs(fixture, [mode]), env: tsEnv(env), ...extra };
}

export function supervise(options: Omit<SupervisorOptions<never>, 'log'> & { log?: ServiceLog }): Supervisor {
  const s = new Supervisor({ log: recorder(), termTimeoutMs: 500, gracefulTimeoutMs: 2000, ...options });
  supervisors.push(s);
  return s;
}

export function listenSocket(): { sock: InheritableSocket; port: number } {
  const sock = bindInheritableSocket({ host: '127.0.0.1', port: 0 });
  sockets.push(sock);
  return { sock, port: 'port' in sock.address ? sock.address.port : 0 };
}

export function ask(port: number): Promise<{ pid: number; tag: string }> {
  return new Promise((resolve, reject) => {
    let data = '';
    net
      .connect(port, '127.0.0.1')
      .on('data', (d) => (data += d))
      .on('end', () => {
        const [pid, tag] = data.trim().split(' ');
        resolve({ pid: Number(pid), tag: tag ?? '' });
      })
      .on('error', reject);
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const until = async (cond: () => boolean, ms = 8000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

export async function cleanUp(): Promise<void> {
  await Promise.all(supervisors.splice(0).map((s) => s.stop('immediate')));
  for (const s of sockets.splice(0)) s.close();
}

