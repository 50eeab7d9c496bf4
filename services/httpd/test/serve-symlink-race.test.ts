// server.follow-symlink = "disable" under a rename race: a writer inside the document root keeps
// swapping a regular file for a symlink to a file outside it (mv -f / mv -Tf, as an attacker with
// write access to the docroot would). No answer may carry the outside file: not through a check
// done on the path before the open, nor through a cached stat or cached content. The same race is
// run against lighttpd 1.4.69 in the same test, for the reference figure.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { startConf, tempDir, type RunningServer } from './serve-support';

const LIGHTTPD = ['/usr/sbin/lighttpd', '/usr/bin/lighttpd'].find((p) => fs.existsSync(p));

interface Tally {
  readonly outside: number;
  readonly inside: number;
  readonly refused: number;
  readonly other: number;
}

/** `count` GETs of `target` over `connections` kept-alive connections; each body classified. */
async function hammer(port: number, target: string, count: number, connections: number, inside: Buffer, outside: Buffer): Promise<Tally> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const tally = { outside: 0, inside: 0, refused: 0, other: 0 };
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: target, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (body.equals(outside)) tally.outside++;
          else if (res.statusCode === 200 && body.equals(inside)) tally.inside++;
          else if (res.statusCode === 403) tally.refused++;
          else tally.other++;
          resolve();
        });
        res.on('error', () => {
          tally.other++;
          resolve();
        });
      });
      req.on('error', () => {
        tally.other++;
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return tally;
}

/** The swap loop of the report, in the docroot: regular file, then a symlink to `secret`, forever. */
function startRacer(docroot: string, name: string, publicFile: string, secret: string): ChildProcess {
  const script = `while :; do cp -f ${JSON.stringify(publicFile)} .r; mv -f .r ${name}; ln -sfn ${JSON.stringify(secret)} .l; mv -Tf .l ${name}; done`;
  return spawn('bash', ['-c', script], { cwd: docroot, stdio: 'ignore' });
}

function stopRacer(racer: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (racer.exitCode !== null || racer.signalCode !== null) return resolve();
    racer.once('exit', () => resolve());
    racer.kill('SIGKILL');
  });
}

/** A file of `size` bytes of `fill`. */
function writeFill(file: string, fill: string, size: number): Buffer {
  const b = Buffer.alloc(size, fill);
  fs.writeFileSync(file, b);
  return b;
}

describe('server.follow-symlink = "disable" while a file is swapped for a symlink out of the root', () => {
  let dir = '';
  let docroot = '';
  // the default stat cache keeps an entry for a second; "disable" stats (and races) on every request
  const servers = new Map<string, RunningServer>();
  const racers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = tempDir();
    docroot = path.join(dir, 'www');
    fs.mkdirSync(docroot);
    fs.mkdirSync(path.join(dir, 'outside'));
    for (const engine of ['simple', 'disable']) {
      const sub = path.join(dir, engine);
      fs.mkdirSync(sub);
      const conf = [
        `server.document-root = "${docroot}"`,
        'server.port = 0',
        'server.bind = "127.0.0.1"',
        'server.errorlog = "@ROOT@/error.log"',
        'server.follow-symlink = "disable"',
        `server.stat-cache-engine = "${engine}"`,
        '',
      ].join('\n');
      servers.set(engine, await startConf(conf, sub));
    }
  });

  afterEach(async () => {
    await Promise.all(racers.splice(0).map(stopRacer));
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const portOf = (engine: string): number => (servers.get(engine) as RunningServer).port;

  /** Same length inside and outside, so no size check can tell them apart. */
  function smallPair(): { inside: Buffer; outside: Buffer; publicFile: string; secret: string } {
    const publicFile = path.join(dir, 'public-small');
    const secret = path.join(dir, 'outside', 'secret-small');
    return { inside: writeFill(publicFile, 'p', 7), outside: writeFill(secret, 's', 7), publicFile, secret };
  }

  it.each(['simple', 'disable'])('never answers 1,500 requests for a small file with the outside file (stat-cache-engine %s)', async (engine) => {
    const { inside, outside, publicFile, secret } = smallPair();
    racers.push(startRacer(docroot, `race-${engine}.txt`, publicFile, secret));
    const t = await hammer(portOf(engine), `/race-${engine}.txt`, 1500, 4, inside, outside);
    expect(t.outside).toBe(0);
    // the race really ran: both sides of the swap were seen
    expect(t.inside).toBeGreaterThan(0);
    expect(t.refused).toBeGreaterThan(0);
  }, 60000);

  it('never streams a large file from outside (the writer checks what it opened)', async () => {
    const publicFile = path.join(dir, 'public-large');
    const secret = path.join(dir, 'outside', 'secret-large');
    const size = 2 * 1024 * 1024;
    const inside = writeFill(publicFile, 'p', size);
    const outside = writeFill(secret, 's', size);
    racers.push(startRacer(docroot, 'large.bin', publicFile, secret));
    const t = await hammer(portOf('disable'), '/large.bin', 300, 4, inside, outside);
    expect(t.outside).toBe(0);
    expect(t.inside + t.refused).toBeGreaterThan(0);
  }, 60000);

  it('lighttpd 1.4.69 under the same race: the reference, 0 outside answers', async () => {
    if (LIGHTTPD === undefined) throw new Error('lighttpd is not installed: install the Debian package "lighttpd"');
    const port = await freePort();
    const conf = path.join(dir, 'lighttpd.conf');
    fs.writeFileSync(
      conf,
      `server.document-root = "${docroot}"\nserver.port = ${port}\nserver.bind = "127.0.0.1"\nserver.errorlog = "${dir}/lighttpd-error.log"\nserver.follow-symlink = "disable"\n`,
    );
    const lighttpd = spawn(LIGHTTPD, ['-D', '-f', conf], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(`${dir}/lighttpd-error.log`) || !fs.readFileSync(`${dir}/lighttpd-error.log`, 'utf8').includes('server started')) {
        if (Date.now() > deadline || lighttpd.exitCode !== null) throw new Error('lighttpd did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const { inside, outside, publicFile, secret } = smallPair();
      racers.push(startRacer(docroot, 'race-lighttpd.txt', publicFile, secret));
      const t = await hammer(port, '/race-lighttpd.txt', 1500, 4, inside, outside);
      expect(t.outside).toBe(0);
      expect(t.inside).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => {
        if (lighttpd.exitCode !== null) return resolve();
        lighttpd.once('exit', () => resolve());
        lighttpd.kill('SIGTERM');
      });
    }
  }, 60000);
});
