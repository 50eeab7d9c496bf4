// Idle memory of httpd-ts's watcher + 2 workers next to lighttpd 1.4's with the very same
// lighttpd.conf (server.max-worker = 2): both started, warmed with a few requests, left idle, then
// RSS summed over the process tree from /proc (PSS too: it counts pages shared between a forking
// server's processes once). Run after `npm run build`: `node --import tsx tools/bench/idle-memory.ts`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { processTree, pssKiB, startPinned, waitForHttp, type Started } from './processes';

const WORKERS = 2;
const WARM_REQUESTS = 50;
/** How long both stay idle before they are measured (allocations from start-up settle). */
const IDLE_MS = 3_000;

export interface IdleMemory {
  readonly processes: number;
  readonly rssKiB: number;
  readonly pssKiB: number;
}

export type IdleMemoryResults = Record<string, IdleMemory | Error>;

function conf(docroot: string, port: number, work: string, name: string): string {
  return [
    `server.document-root = "${docroot}"`,
    `server.bind = "127.0.0.1"`,
    `server.port = ${port}`,
    `server.errorlog = "${work}/${name}-error.log"`,
    `server.pid-file = "${work}/${name}.pid"`,
    `server.modules = ( "mod_staticfile" )`,
    `mimetype.assign = ( ".html" => "text/html" )`,
    `server.max-worker = ${WORKERS}`,
    '',
  ].join('\n');
}

/** VmRSS in KiB, summed over the processes. */
function rssKiB(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return total;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function benchIdleMemory(work: string, httpdTs: string): Promise<IdleMemoryResults> {
  fs.mkdirSync(work, { recursive: true });
  const docroot = path.join(work, 'htdocs');
  fs.mkdirSync(docroot, { recursive: true });
  fs.writeFileSync(path.join(docroot, 'index.html'), '<p>idle</p>\n');

  const servers: Array<[string, (port: number) => Started]> = [
    ['lighttpd', (port) => {
      fs.writeFileSync(path.join(work, 'lighttpd.conf'), conf(docroot, port, work, 'lighttpd'));
      return startPinned('lighttpd', 0, 'lighttpd', ['-D', '-f', path.join(work, 'lighttpd.conf')]);
    }],
    ['httpd-ts', (port) => {
      fs.writeFileSync(path.join(work, 'httpd-ts.conf'), conf(docroot, port, work, 'httpd-ts'));
      return startPinned('httpd-ts', 0, process.execPath, [httpdTs, '-D', '-f', path.join(work, 'httpd-ts.conf')]);
    }],
  ];
  const results: IdleMemoryResults = {};
  for (const [name, start] of servers) {
    const port = await freePort();
    const server = start(port);
    try {
      const pid = server.child.pid ?? 0;
      // the watcher and its workers, nothing else (taskset execs the server in place)
      await until(`${name} to run ${WORKERS} workers`, () => processTree(pid).length === WORKERS + 1);
      await waitForHttp(port, '/index.html');
      for (let i = 0; i < WARM_REQUESTS; i++) await (await fetch(`http://127.0.0.1:${port}/index.html`)).arrayBuffer();
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const pids = processTree(pid);
      results[name] = { processes: pids.length, rssKiB: rssKiB(pids), pssKiB: pssKiB(pids) };
    } catch (err) {
      results[name] = err as Error;
    } finally {
      await server.stop();
    }
  }
  return results;
}

export function printIdleMemory(results: IdleMemoryResults): void {
  const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
  process.stdout.write(`\nidle memory, watcher + ${WORKERS} workers (server.max-worker = ${WORKERS}, same lighttpd.conf)\n`);
  const lighttpd = results['lighttpd'];
  for (const [name, r] of Object.entries(results)) {
    if (r instanceof Error) {
      process.stdout.write(`    ${name.padEnd(9)} failed: ${r.message}\n`);
      continue;
    }
    const ratio = name !== 'lighttpd' && lighttpd !== undefined && !(lighttpd instanceof Error)
      ? `  ${(r.rssKiB / lighttpd.rssKiB).toFixed(1)}x lighttpd RSS, ${(r.pssKiB / lighttpd.pssKiB).toFixed(1)}x PSS`
      : '';
    process.stdout.write(`    ${name.padEnd(9)} ${r.processes} processes  RSS ${mib(r.rssKiB).padStart(10)}  PSS ${mib(r.pssKiB).padStart(10)}${ratio}\n`);
  }
}

if (require.main === module) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-idle-'));
  benchIdleMemory(work, path.resolve(__dirname, '../../services/httpd/dist/httpd-ts.js'))
    .then(printIdleMemory)
    .finally(() => fs.rmSync(work, { recursive: true, force: true }));
}
