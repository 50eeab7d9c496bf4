// `npm run demo`: the demo stack on its embedded default configuration: httpd-ts (a lighttpd.conf)
// serves a static site and hands JavaScript pages and the status page to fpm-ts (a php-fpm.conf)
// over FastCGI, and answers its own status page (mod_status). The demo shows a few requests through
// the stack, then keeps both running until Ctrl-C (or exits at once with --check, which is what the
// smoke test uses). DEMO_PORT=0 lets the kernel pick the port (the tests do), read back from
// httpd-ts's "server listening on" line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FastcgiClientConnection } from '@libs/fastcgi';
import type { ServiceLog } from '@libs/log';
import { writeDemoSite, type DemoSite } from './demo-site';

const root = path.resolve(__dirname, '../..');
const HTTPD = path.join(root, 'services/httpd/dist/httpd-ts.js');
const FPM = path.join(root, 'services/fpm/dist/fpm-ts.js');
const check = process.argv.includes('--check');
const port = Number(process.env['DEMO_PORT'] ?? 8080);

const quiet: ServiceLog = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

function start(command: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [command, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}

async function waitFor(what: string, probe: () => Promise<unknown>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The port httpd-ts bound: the configured one, or for port 0 the one its error log names. */
function boundPort(site: DemoSite): number {
  if (port !== 0) return port;
  const log = fs.readFileSync(path.join(site.dir, 'log/httpd-ts.log'), 'utf8');
  const bound = /server listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
  if (bound === undefined) throw new Error('no "server listening on" line in its error log yet');
  return Number(bound);
}

async function fastcgi(site: DemoSite, script: string, query = '', body = ''): Promise<string> {
  const conn = await FastcgiClientConnection.connect({ path: site.fpmSocket }, { log: quiet });
  try {
    const res = await conn.request({
      params: {
        REQUEST_METHOD: body === '' ? 'GET' : 'POST',
        SCRIPT_FILENAME: path.join(site.handlers, script),
        SCRIPT_NAME: `/${script}`,
        QUERY_STRING: query,
        CONTENT_LENGTH: String(Buffer.byteLength(body)),
        HTTP_HOST: 'demo.local',
      },
      stdin: body,
    });
    return res.stdout.toString();
  } finally {
    conn.close();
  }
}

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'httpd-fpm-demo-'));
  fs.chmodSync(dir, 0o755);
  const site = writeDemoSite(dir, port);
  const asRoot = process.getuid?.() === 0 ? ['-R'] : [];
  const fpm = start(FPM, ['-F', ...asRoot, '-y', site.fpmConf]);
  const httpd = start(HTTPD, ['-D', '-f', site.httpdConf]);
  const stop = async (): Promise<void> => {
    for (const [child, signal] of [[httpd, 'SIGINT'], [fpm, 'SIGQUIT']] as const) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    let bound = port;
    await waitFor('httpd-ts', async () => {
      bound = boundPort(site);
      await (await fetch(`http://127.0.0.1:${bound}/`)).arrayBuffer();
    });
    await waitFor('fpm-ts', () => fastcgi(site, 'ping'));

    const base = `http://127.0.0.1:${bound}`;
    say(`\nhttpd-ts in front of fpm-ts: ${base}/ (configs ${site.httpdConf}, ${site.fpmConf})`);
    for (const url of ['/', '/files/', '/files/readme.txt', '/missing', '/hello.js?name=demo', '/form.mjs']) {
      const res = await fetch(`${base}${url}`);
      const body = await res.text();
      const shown = url.startsWith('/hello.js') ? ` ${body.trim()}` : '';
      say(`  GET ${url.padEnd(20)} ${res.status} ${res.headers.get('content-type') ?? ''} ${res.headers.get('etag') ?? ''}${shown}`);
    }
    const posted = await fetch(`${base}/form.mjs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=demo&note=sent+through+httpd-ts',
    });
    const received = /<dl id="received">(.*?)<\/dl>/.exec(await posted.text())?.[1]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() ?? '';
    say(`  POST ${'/form.mjs'.padEnd(19)} ${posted.status} received: ${received}`);
    say('  GET /status (fpm-ts, through httpd-ts) ->');
    for (const line of (await (await fetch(`${base}/status`)).text()).trim().split('\n')) say(`    ${line}`);
    const httpdStatus = await (await fetch(`${base}/server-status?auto`)).text();
    say(`  GET /server-status?auto (httpd-ts, mod_status) -> ${/^Total Accesses: .*$/m.exec(httpdStatus)?.[0] ?? httpdStatus.trim()}`);
    say(`\nfpm-ts directly (FastCGI on ${site.fpmSocket}):`);
    say(`  echo.mjs  -> ${(await fastcgi(site, 'echo.mjs', '', 'streamed body')).split('\r\n\r\n')[1] ?? ''}`);
    if (check) return 0;

    say(`\nBoth keep running: open ${base}/ (try /form.mjs); logs in ${dir}/log. Ctrl-C stops them.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      httpd.once('exit', resolve);
      fpm.once('exit', resolve);
    });
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await stop();
  }
}

void main().then((code) => process.exit(code));
