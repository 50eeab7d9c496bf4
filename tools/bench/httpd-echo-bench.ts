// A streamed body both ways: a client POSTs 100 MiB to httpd-ts's mod_echo (lighttpd's test module,
// not shipped in Debian's lighttpd, so there is no peer here) and reads the echo back; httpd-ts on
// core 0, the client on core 1. Printed: throughput, and the server's peak RSS (VmHWM) against its RSS
// before the upload, for streaming and for the defaults (whole body first, in temp files).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@libs/testing';
import { startPinned, waitForHttp } from './processes';

export interface EchoResult {
  readonly mode: string;
  readonly mibPerSec: number;
  readonly rssBeforeMiB: number;
  readonly peakRssMiB: number;
  readonly echoedBytes: number;
}

const BODY_BYTES = 100 * 1024 * 1024;

/**
 * The client: sends the body as fast as the socket takes it while reading the answer (curl stops
 * sending once an answer starts, which a streamed echo does at once); prints the body bytes received.
 */
const CLIENT = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
const s = net.connect(port, '127.0.0.1');
let got = 0;
let head = null;
let chunked = false;
let left = 0;
let pending = Buffer.alloc(0);
const dechunk = (d) => {
  pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
  for (;;) {
    if (left > 0) {
      const k = Math.min(left, pending.length);
      got += k;
      left -= k;
      pending = pending.subarray(k);
      if (left > 0) return;
      left = -2;
    }
    if (left === -2) {
      if (pending.length < 2) return;
      pending = pending.subarray(2);
      left = 0;
    }
    const eol = pending.indexOf('\\r\\n');
    if (eol === -1) return;
    left = parseInt(pending.toString('latin1', 0, eol), 16);
    pending = pending.subarray(eol + 2);
    if (left === 0) return;
  }
};
s.on('data', (d) => {
  if (head === null) {
    const end = d.indexOf('\\r\\n\\r\\n');
    head = d.subarray(0, end).toString('latin1');
    chunked = /transfer-encoding: chunked/i.test(head);
    d = d.subarray(end + 4);
  }
  if (chunked) dechunk(d);
  else got += d.length;
});
s.on('close', () => process.stdout.write(String(got)));
s.on('connect', () => {
  s.write('POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: ' + n + '\\r\\nConnection: close\\r\\n\\r\\n');
  const piece = Buffer.alloc(256 * 1024, 'e');
  let sent = 0;
  const next = () => {
    while (sent < n) {
      const k = Math.min(piece.length, n - sent);
      sent += k;
      if (!s.write(k === piece.length ? piece : piece.subarray(0, k))) return void s.once('drain', next);
    }
  };
  next();
});
`;

const MODES: ReadonlyArray<readonly [string, string]> = [
  ['streamed (stream-request-body 2, stream-response-body 2)', 'server.stream-request-body = 2\nserver.stream-response-body = 2'],
  ['defaults (0 and 0: whole body first, temp files)', ''],
];

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

export async function benchHttpdEcho(work: string, httpdTs: string): Promise<EchoResult[]> {
  fs.mkdirSync(path.join(work, 'htdocs'), { recursive: true });
  fs.mkdirSync(path.join(work, 'uploads'), { recursive: true });
  fs.writeFileSync(path.join(work, 'htdocs', 'index.html'), 'ok\n');
  const results: EchoResult[] = [];
  for (const [mode, extra] of MODES) {
    const port = await freePort();
    const conf = path.join(work, 'echo.conf');
    fs.writeFileSync(
      conf,
      [
        `server.document-root = "${work}/htdocs"`,
        'server.bind = "127.0.0.1"',
        `server.port = ${port}`,
        `server.errorlog = "${work}/echo-error.log"`,
        `server.upload-dirs = ( "${work}/uploads" )`,
        'server.modules += ( "mod_echo" )',
        extra,
        '',
      ].join('\n'),
    );
    const server = startPinned('httpd-ts', 0, process.execPath, [httpdTs, '-D', '-f', conf]);
    try {
      await waitForHttp(port, '/index.html');
      const pid = server.child.pid as number;
      const before = statusKiB(pid, 'VmRSS');
      const started = process.hrtime.bigint();
      const client = spawnSync('taskset', ['-c', '1', process.execPath, '-e', CLIENT, String(port), String(BODY_BYTES)], { encoding: 'utf8' });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      results.push({
        mode,
        mibPerSec: BODY_BYTES / 1024 / 1024 / seconds,
        rssBeforeMiB: before / 1024,
        peakRssMiB: statusKiB(pid, 'VmHWM') / 1024,
        echoedBytes: Number(client.stdout),
      });
    } finally {
      await server.stop();
    }
  }
  return results;
}
