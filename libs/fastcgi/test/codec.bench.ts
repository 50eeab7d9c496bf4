// Codec throughput benchmark (informative, not a test): encode and decode of a typical request
// and of a large STDOUT body. Run: node --import tsx libs/fastcgi/test/codec.bench.ts
import {
  encodeRequest,
  encodeStream,
  encodeStreamEnd,
  FCGI_STDOUT,
  FastcgiServerConnection,
  RecordParser,
} from '../src';

const params = {
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_SOFTWARE: 'httpd-ts',
  REQUEST_METHOD: 'GET',
  REQUEST_URI: '/index.php?page=1&sort=asc',
  SCRIPT_FILENAME: '/srv/www/index.php',
  SCRIPT_NAME: '/index.php',
  QUERY_STRING: 'page=1&sort=asc',
  SERVER_NAME: 'localhost',
  SERVER_PORT: '80',
  REMOTE_ADDR: '127.0.0.1',
  HTTP_HOST: 'localhost',
  HTTP_USER_AGENT: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
  HTTP_ACCEPT: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  HTTP_COOKIE: 'session=' + 'a'.repeat(200),
};

function time(label: string, iterations: number, bytesPerIteration: number, fn: () => void): void {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mb = (bytesPerIteration * iterations) / seconds / 1e6;
  console.log(`${label}: ${Math.round(iterations / seconds)} ops/s, ${mb.toFixed(0)} MB/s`);
}

const request = Buffer.concat(encodeRequest(1, { params, stdin: '' }));
time('encode request (begin+params+stdin end)', 100_000, request.length, () => {
  encodeRequest(1, { params, stdin: '' });
});

const log = { error: () => undefined, warn: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined };
time('server connection: decode request + respond', 100_000, request.length, () => {
  const conn = new FastcgiServerConnection({
    log,
    write: () => undefined,
    close: () => undefined,
    onRequest: (req) => {
      req.write('Content-Type: text/plain\r\n\r\nok');
      req.end();
    },
  });
  conn.execute(request);
});

const body = Buffer.alloc(1024 * 1024, 0x61);
const encoded = Buffer.concat([...encodeStream(FCGI_STDOUT, 1, body), encodeStreamEnd(FCGI_STDOUT, 1)]);
time('encode 1 MiB STDOUT', 20_000, body.length, () => {
  encodeStream(FCGI_STDOUT, 1, body);
});
let sink = 0;
const parser = new RecordParser({ onRecord: (r) => (sink += r.kind === 'stream' ? r.data.length : 0) });
time('decode 1 MiB STDOUT in 16 KiB chunks', 2_000, body.length, () => {
  for (let off = 0; off < encoded.length; off += 16384) parser.execute(encoded.subarray(off, off + 16384));
});
console.log(`(decoded ${sink} bytes)`);
