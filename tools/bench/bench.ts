// `npm run bench [httpd|httpd-echo|fpm|fpm-shared|stack|idle-memory] [-- --seconds N]`: installs nothing itself (tools/setup does), builds
// nothing (npm run build does), and prints requests/s with ratios against the peers measured in
// the same run. Numbers only mean something on an otherwise idle machine with two cores.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  benchFpm,
  benchFpmSharedCore,
  DIRECT_ROUNDS,
  FPM_WORKERS,
  SHARED_ROUNDS,
  type DirectRound,
  type FpmResult,
  type FpmServerResult,
  type SharedCoreResults,
  type SharedCoreRound,
} from './fpm-bench';
import { benchHttpd, HTTPD_SCENARIOS, type HttpdResults } from './httpd-bench';
import { benchHttpdEcho, type EchoResult } from './httpd-echo-bench';
import { benchIdleMemory, printIdleMemory } from './idle-memory';
import { benchStack, benchStackPosts, POST_BYTES, STACK_ROUNDS, type PostResults, type StackResults } from './stack-bench';
import type { WrkResult } from './wrk';

const root = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const secondsIndex = args.indexOf('--seconds');
const seconds = secondsIndex >= 0 ? Number(args[secondsIndex + 1]) : 10;
const which = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');
const run = (name: string): boolean => which.length === 0 || which.includes(name);

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ok = (r: WrkResult | Error | undefined): r is WrkResult => r !== undefined && !(r instanceof Error);
const mib = (bytes: number): string => `${fmt(bytes / 1024 / 1024, 1)} MiB/s`;

function printHttpd(results: HttpdResults): void {
  process.stdout.write('\nhttpd-ts vs lighttpd 1.4 and nginx (server on core 0, wrk on core 1)\n');
  for (const scenario of HTTPD_SCENARIOS) {
    process.stdout.write(`\n  ${scenario.name} (${scenario.connections} connections)\n`);
    const nginx = results['nginx']?.[scenario.name];
    const lighttpd = results['lighttpd']?.[scenario.name];
    for (const server of ['nginx', 'lighttpd', 'httpd-ts']) {
      const r = results[server]?.[scenario.name];
      if (!ok(r)) {
        process.stdout.write(`    ${server.padEnd(9)} failed: ${r instanceof Error ? r.message : 'not run'}\n`);
        continue;
      }
      const ratios = [
        ok(nginx) ? `${fmt(r.requestsPerSec / nginx.requestsPerSec, 2)}x nginx` : '',
        ok(lighttpd) ? `${fmt(r.requestsPerSec / lighttpd.requestsPerSec, 2)}x lighttpd` : '',
      ].filter(Boolean).join(', ');
      const faults = r.errors + r.non2xx > 0 && scenario.path !== '/missing' ? `  (${r.errors} socket errors, ${r.non2xx} non-2xx)` : '';
      process.stdout.write(`    ${server.padEnd(9)} ${fmt(r.requestsPerSec).padStart(9)} req/s  ${mib(r.bytesPerSec).padStart(14)}  ${ratios}${faults}\n`);
    }
  }
}

/** Server CPU microseconds per request, and the requests/s one core of that server sustains. */
function perRequest(r: FpmResult, seconds: number): { cpuUs: number; perCore: number } | null {
  if (!ok(r.wrk) || r.serverCpuSeconds <= 0) return null;
  const cpuUs = (r.serverCpuSeconds * 1e6) / (r.wrk.requestsPerSec * seconds);
  return { cpuUs, perCore: 1e6 / cpuUs };
}

/** CPU microseconds per request that nginx and wrk (the rest of core 1's busy time) spent. */
function loadCorePerRequest(r: FpmResult, wrk: WrkResult, seconds: number): { nginxUs: number; wrkUs: number } {
  const requests = wrk.requestsPerSec * seconds;
  const nginxUs = (r.nginxCpuSeconds * 1e6) / requests;
  return { nginxUs, wrkUs: (r.loadCoreBusy * seconds * 1e6) / requests - nginxUs };
}

function printFpm(results: Record<string, FpmServerResult>, seconds: number): void {
  process.stdout.write(`\nnginx -> fpm-ts (JS hello) vs nginx -> php8.2-fpm (PHP hello), pm static with ${FPM_WORKERS} workers, unix socket\n`);
  process.stdout.write('  (server on core 0; nginx and wrk on core 1: when core 1 is busy near 100%, requests/s measure nginx, and')
  process.stdout.write(' the server CPU per request is the comparison)\n');
  const php = results['php8.2-fpm']?.viaNginx;
  const phpCost = php ? perRequest(php, seconds) : null;
  for (const [name, { viaNginx: r }] of Object.entries(results)) {
    if (!ok(r.wrk)) {
      process.stdout.write(`    ${name.padEnd(11)} failed: ${r.wrk instanceof Error ? r.wrk.message : 'not run'}\n`);
      continue;
    }
    const other = name !== 'php8.2-fpm';
    const ratio = php && ok(php.wrk) && other ? `  ${fmt(r.wrk.requestsPerSec / php.wrk.requestsPerSec, 2)}x php-fpm` : '';
    const cost = perRequest(r, seconds);
    const costText = cost
      ? `   server CPU ${fmt(cost.cpuUs, 1)} us/request = ${fmt(cost.perCore)} req/s per core${phpCost && other ? ` (${fmt(cost.perCore / phpCost.perCore, 2)}x php-fpm)` : ''}`
      : '';
    const memRatio = php && php.idlePssKiB > 0 && other ? ` (${fmt(r.idlePssKiB / php.idlePssKiB, 2)}x php-fpm)` : '';
    const load = loadCorePerRequest(r, r.wrk, seconds);
    process.stdout.write(
      `    ${name.padEnd(11)} ${fmt(r.wrk.requestsPerSec).padStart(9)} req/s${ratio}   core 1 busy ${fmt(r.loadCoreBusy * 100)}%${costText}\n` +
        `    ${''.padEnd(11)} core 1 per request: nginx ${fmt(load.nginxUs, 1)} us, wrk ${fmt(load.wrkUs, 1)} us` +
        ` (nginx alone on a core would top out near ${fmt(1e6 / load.nginxUs)} req/s)\n` +
        `    ${''.padEnd(11)} idle pool: ${fmt(r.idlePssKiB / 1024, 1)} MiB PSS in ${r.processes} processes${memRatio}\n`,
    );
  }
  printDirect(results, seconds);
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** CPU microseconds per request over all rounds. */
function directCost(rounds: readonly DirectRound[], seconds: number): number {
  const cpu = rounds.reduce((a, r) => a + r.serverCpuSeconds, 0);
  const requests = rounds.reduce((a, r) => a + r.requestsPerSec * seconds, 0);
  return (cpu * 1e6) / requests;
}

function printDirect(results: Record<string, FpmServerResult>, seconds: number): void {
  process.stdout.write(`\nFastCGI client -> the same servers, no nginx (server on core 0, client on core 1; the server's core is the limit)\n`);
  process.stdout.write(`  (${DIRECT_ROUNDS} rounds of fresh connections; "busy" counts the workers that served them)\n`);
  const php = results['php8.2-fpm']?.direct;
  const phpMedian = php && !(php instanceof Error) ? median(php.map((r) => r.requestsPerSec)) : null;
  for (const [name, { direct }] of Object.entries(results)) {
    if (direct instanceof Error) {
      process.stdout.write(`    ${name.padEnd(11)} failed: ${direct.message}\n`);
      continue;
    }
    const rps = median(direct.map((r) => r.requestsPerSec));
    const rounds = direct.map((r) => `${fmt(r.requestsPerSec)} (${r.busyWorkers} busy)`).join(', ');
    const ratio = phpMedian !== null && name !== 'php8.2-fpm' ? `  ${fmt(rps / phpMedian, 2)}x php-fpm` : '';
    process.stdout.write(`    ${name.padEnd(11)} ${fmt(rps).padStart(9)} req/s median${ratio}   server CPU ${fmt(directCost(direct, seconds), 1)} us/request   rounds: ${rounds}\n`);
  }
}

/** The round with the median requests/s, so its CPU figures belong to the same run. */
function medianRound(rounds: readonly SharedCoreRound[]): SharedCoreRound | undefined {
  return [...rounds].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[Math.floor(rounds.length / 2)];
}

function printStack(results: StackResults, seconds: number): void {
  process.stdout.write(`\nweb server and FastCGI server sharing core 0, wrk on core 1 (a one-box site), pm static with ${FPM_WORKERS} workers (or as named), unix socket\n`);
  process.stdout.write(`  (${STACK_ROUNDS} rounds of ${seconds} s, the sites taking turns; median round; CPU us per request on core 0)\n`);
  const median = (name: string): number | undefined => {
    const rounds = results[name];
    if (rounds === undefined || rounds instanceof Error || rounds.length === 0) return undefined;
    return [...rounds].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[Math.floor(rounds.length / 2)]?.requestsPerSec;
  };
  const nginxPhp = median('nginx -> php8.2-fpm');
  const best = Math.max(nginxPhp ?? 0, median('lighttpd -> php8.2-fpm') ?? 0);
  for (const [name, rounds] of Object.entries(results)) {
    if (rounds instanceof Error) {
      process.stdout.write(`    ${name.padEnd(42)} failed: ${rounds.message}\n`);
      continue;
    }
    const m = median(name) ?? 0;
    const us = [...rounds].sort((a, b) => a.serverUs - b.serverUs)[Math.floor(rounds.length / 2)]?.serverUs ?? 0;
    const ratios = [best > 0 ? `${fmt(m / best, 2)}x the better PHP stack` : '', nginxPhp ? `${fmt(m / nginxPhp, 2)}x nginx -> php-fpm` : ''].filter(Boolean).join(', ');
    const faults = rounds.reduce((n, r) => n + r.faults, 0);
    process.stdout.write(
      `    ${name.padEnd(42)} ${fmt(m).padStart(9)} req/s  ${fmt(us, 1).padStart(6)} us  ${ratios}   rounds: ${rounds.map((r) => fmt(r.requestsPerSec)).join(', ')}${faults > 0 ? ` (${faults} faults)` : ''}\n`,
    );
  }
}

function printStackPosts(results: PostResults): void {
  process.stdout.write(`\none ${POST_BYTES / 1048576} MiB POST through each site (same layout, after one not measured), read whole by the handler: the front's default, then streamed to the backend\n`);
  process.stdout.write('  (nginx: fastcgi_request_buffering on/off; lighttpd and httpd-ts: server.stream-request-body = 0 (temp files) / 2)\n');
  for (const [name, r] of Object.entries(results)) {
    if (r instanceof Error) {
      process.stdout.write(`    ${name.padEnd(42)} failed: ${r.message}\n`);
      continue;
    }
    const cells = r.map((p) => `${fmt(p.mibPerSec, 1).padStart(7)} MiB/s (front peak RSS ${fmt(p.frontPeakRssMiB, 1)} MiB)`).join('   ');
    process.stdout.write(`    ${name.padEnd(42)} ${cells}\n`);
  }
}

function printSharedCore(results: SharedCoreResults, seconds: number): void {
  process.stdout.write(`\nnginx and the FastCGI server sharing core 0, wrk on core 1 (a one-box site), pm static with ${FPM_WORKERS} workers, unix socket\n`);
  process.stdout.write(`  (${SHARED_ROUNDS} rounds of ${seconds} s, the servers taking turns; CPU us per request of each process group, median round)\n`);
  const php = results['php8.2-fpm'];
  const phpMedian = php && !(php instanceof Error) ? medianRound(php) : undefined;
  for (const [name, rounds] of Object.entries(results)) {
    const m = rounds instanceof Error ? undefined : medianRound(rounds);
    if (rounds instanceof Error || m === undefined) {
      process.stdout.write(`    ${name.padEnd(11)} failed: ${rounds instanceof Error ? rounds.message : 'not run'}\n`);
      continue;
    }
    const ratio = phpMedian !== undefined && name !== 'php8.2-fpm' ? `  ${fmt(m.requestsPerSec / phpMedian.requestsPerSec, 2)}x php-fpm` : '';
    const group = name === 'php8.2-fpm' ? 'children' : 'workers';
    const all = rounds.map((r) => `${fmt(r.requestsPerSec)}${r.faults > 0 ? ` (${r.faults} socket errors or non-2xx)` : ''}`).join(', ');
    process.stdout.write(
      `    ${name.padEnd(11)} ${fmt(m.requestsPerSec).padStart(9)} req/s median${ratio}   rounds: ${all}\n` +
        `    ${''.padEnd(11)} CPU per request: ${group} ${fmt(m.workersUs, 1)} us, master ${fmt(m.masterUs, 1)} us, nginx ${fmt(m.nginxUs, 1)} us` +
        ` (core 0 total ${fmt(m.workersUs + m.masterUs + m.nginxUs, 1)} us)\n`,
    );
  }
}

function printEcho(results: readonly EchoResult[]): void {
  process.stdout.write('\nhttpd-ts mod_echo, a 100 MiB POST echoed back (server on core 0, client on core 1; no peer ships mod_echo)\n');
  for (const r of results) {
    process.stdout.write(
      `  ${r.mode.padEnd(56)} ${fmt(r.mibPerSec, 1).padStart(7)} MiB/s   RSS ${fmt(r.rssBeforeMiB, 1)} MiB before, peak ${fmt(r.peakRssMiB, 1)} MiB` +
        `${r.echoedBytes === 100 * 1024 * 1024 ? '' : `   (echoed ${r.echoedBytes} bytes!)`}\n`,
    );
  }
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  fs.chmodSync(work, 0o755);
  try {
    if (run('httpd')) printHttpd(await benchHttpd(path.join(work, 'httpd'), path.join(root, 'services/httpd/dist/httpd-ts.js'), seconds));
    if (run('httpd') || which.includes('httpd-echo')) printEcho(await benchHttpdEcho(path.join(work, 'echo'), path.join(root, 'services/httpd/dist/httpd-ts.js')));
    if (run('fpm')) {
      fs.mkdirSync(path.join(work, 'fpm'), { mode: 0o755 });
      printFpm(await benchFpm(path.join(work, 'fpm'), path.join(root, 'services/fpm/dist/fpm-ts.js'), seconds), seconds);
    }
    if (run('idle-memory')) {
      fs.mkdirSync(path.join(work, 'idle-memory'), { mode: 0o755 });
      printIdleMemory(await benchIdleMemory(path.join(work, 'idle-memory'), path.join(root, 'services/httpd/dist/httpd-ts.js')));
    }
    if (run('stack')) {
      fs.mkdirSync(path.join(work, 'stack'), { mode: 0o755 });
      const bins = { fpmTs: path.join(root, 'services/fpm/dist/fpm-ts.js'), httpdTs: path.join(root, 'services/httpd/dist/httpd-ts.js') };
      printStack(await benchStack(path.join(work, 'stack'), bins, seconds), seconds);
      printStackPosts(await benchStackPosts(path.join(work, 'stack'), bins));
    }
    if (run('fpm') || which.includes('fpm-shared')) {
      fs.mkdirSync(path.join(work, 'fpm-shared'), { mode: 0o755 });
      printSharedCore(await benchFpmSharedCore(path.join(work, 'fpm-shared'), path.join(root, 'services/fpm/dist/fpm-ts.js'), seconds), seconds);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

void main();
