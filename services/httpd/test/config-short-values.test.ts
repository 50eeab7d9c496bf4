// Process-level: a T_CONFIG_SHORT directive given an integer beyond 65535. lighttpd 1.4.69 starts
// and uses the value's low 16 bits (configfile-glue.c casts to unsigned short); httpd-ts must start
// too, use the same value and say so. Both servers run in the same test on the same config.
import fs from 'node:fs';
import path from 'node:path';
import { startLighttpd } from './lighttpd-support';
import { get, parseResponses, rawExchange, startConf, tempDir, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'a.txt'), 'a\n');
});
afterEach(async () => {
  await server?.stop();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

// 65538 is 2 in 16 bits: the connection closes early, as with 2 (and not after 65535 or 65538).
const WRAPPED = 'server.max-keep-alive-requests = 65538';
const PLAIN = 'server.max-keep-alive-requests = 2';
const FOUR = Array.from({ length: 4 }, () => get('/a.txt', '', false)).join('');

/** The statuses of four pipelined keep-alive requests, up to the server's close. */
async function answered(port: number): Promise<number[]> {
  return parseResponses(await rawExchange(port, FOUR)).map((x) => x.status);
}

async function withLighttpd(line: string): Promise<number[]> {
  const lighttpd = await startLighttpd(`server.document-root = "${dir}/htdocs"\n${line}`, dir);
  try {
    return await answered(lighttpd.port);
  } finally {
    await lighttpd.stop();
  }
}

async function withHttpdTs(line: string): Promise<{ statuses: number[]; stderr: string }> {
  server = await startConf(`server.document-root = "@ROOT@/htdocs"\nserver.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "@TMP@/error.log"\n${line}\n`, dir);
  const statuses = await answered(server.port);
  const stderr = server.stderr;
  await server.stop();
  server = null;
  return { statuses, stderr };
}

test('lighttpd 1.4.69 starts with server.max-keep-alive-requests = 65538 and behaves as with 2', async () => {
  const wrapped = await withLighttpd(WRAPPED);
  expect(wrapped.length).toBeLessThan(4);
  expect(wrapped).toEqual(await withLighttpd(PLAIN));
});

test('httpd-ts starts with the same config, behaves as with 2 and warns with the value it took', async () => {
  const wrapped = await withHttpdTs(WRAPPED);
  expect(wrapped.statuses.length).toBeLessThan(4);
  expect(wrapped.statuses).toEqual((await withHttpdTs(PLAIN)).statuses);
  expect(wrapped.stderr).toContain('WARNING: server.max-keep-alive-requests = 65538 is out of range (0 ... 65535); taken as 2');
});
