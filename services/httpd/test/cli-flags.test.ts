// Process-level tests of the httpd-ts command: the real entry (bin/httpd-ts.ts) runs as a child
// process with fixture configs; exit codes, stdout and stderr are what an operator sees.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { spawnTs } from '@libs/testing';

const BIN = path.join(__dirname, '../bin/httpd-ts.ts');
const FIXTURES = path.join(__dirname, 'fixtures/conf');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

function run(args: readonly string[], input?: string): Promise<Run> {
  const child = spawnTs(BIN, args, { cwd: FIXTURES });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(input ?? '');
  return new Promise((resolve) => {
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('httpd-ts -t', () => {
  it('prints "Syntax OK" and exits 0 for a valid config with includes and conditions', async () => {
    const r = await run(['-t', '-f', fixture('basic.conf')]);
    expect(r).toEqual({ code: 0, stdout: 'Syntax OK\n', stderr: '' });
  });

  it('exits non-zero naming the directive, file and line of a wrong value', async () => {
    const r = await run(['-t', '-f', fixture('type-error.conf')]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`"server.port" is not a number in ${fixture('type-error.conf')}:7`);
    expect(r.stderr).toContain('HTTPD_ERR_CONFIG_TYPE');
  });

  it('reports a syntax error in an included file with that file and line', async () => {
    const r = await run(['-t', '-f', fixture('include-error.conf')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${FIXTURES}/inc/broken.conf:3`);
    expect(r.stderr).toContain('HTTPD_ERR_CONFIG_SYNTAX');
  });
});

describe('httpd-ts -tt', () => {
  it("warns about keys no loaded module claims, in lighttpd's words, and still succeeds", async () => {
    const r = await run(['-tt', '-f', fixture('unknown-key.conf')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('WARNING: unknown config-key: foo.bar (ignored)');
  });
});

describe('httpd-ts -p', () => {
  it('prints the parsed config the way lighttpd -p does', async () => {
    const r = await run(['-p', '-f', fixture('basic.conf')]);
    expect(r.code).toBe(0);
    const theirs = spawnSync('lighttpd', ['-p', '-f', fixture('basic.conf')], { cwd: FIXTURES, encoding: 'utf8' });
    expect(theirs.status).toBe(0);
    const withoutPid = (s: string): string => s.replace(/^ *var\.PID *= \d+\n/m, '');
    expect(withoutPid(r.stdout)).toBe(withoutPid(theirs.stdout));
    expect(r.stdout).toContain('    $HTTP["url"] =$ ".php" {\n');
    expect(r.stdout).toContain('else $HTTP["host"] == "other.example" {');
  });
});

describe('other flags', () => {
  it('-v prints the version line', async () => {
    const r = await run(['-v']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^httpd-ts\/0\.1\.0 \(node v\d+[^)]*\) - a lighttpd 1\.4 compatible web server\n$/);
  });

  it('without -t/-p it serves; a socket it cannot bind is fatal and named', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const r = await run(['-D', '-f', '-'], `server.document-root = "/tmp"\nserver.bind = "127.0.0.1"\nserver.port = ${port}\n`);
      expect(r.code).toBe(255);
      expect(r.stderr).toContain(`can't bind to socket: 127.0.0.1:${port}`);
      expect(r.stderr).toContain('HTTPD_ERR_LISTEN');
    } finally {
      taken.close();
    }
  });
});
