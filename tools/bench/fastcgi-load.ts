// A FastCGI load generator for the bench, run pinned to its own core:
//   node --import tsx fastcgi-load.ts SOCKET SCRIPT_FILENAME SECONDS CONNECTIONS
// Each kept-alive connection has one request in flight, as nginx's fastcgi_keep_conn upstreams
// have; every request is the same pre-encoded bytes with the params nginx's fastcgi_params sends,
// so the client's own cost per request is small and the server's core is the limit, not the
// client's. Prints "measuring" when its measured window opens (the bench reads the server's CPU
// time then), and {"requestsPerSec":N} when it closes.
import net from 'node:net';
import { encodeRequest, FCGI_END_REQUEST } from '@libs/fastcgi';

const [socketPath = '', script = '', secondsArg = '10', connectionsArg = '16'] = process.argv.slice(2);
const seconds = Number(secondsArg);
const connections = Number(connectionsArg);

const request = Buffer.concat(
  encodeRequest(1, {
    params: {
      QUERY_STRING: '',
      REQUEST_METHOD: 'GET',
      CONTENT_TYPE: '',
      CONTENT_LENGTH: '',
      SCRIPT_NAME: '/',
      REQUEST_URI: '/',
      DOCUMENT_URI: '/',
      DOCUMENT_ROOT: '/usr/share/nginx/html',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_SCHEME: 'http',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'nginx/1.22.1',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_PORT: '40000',
      SERVER_ADDR: '127.0.0.1',
      SERVER_PORT: '8080',
      SERVER_NAME: 'localhost',
      REDIRECT_STATUS: '200',
      SCRIPT_FILENAME: script,
      HTTP_HOST: '127.0.0.1:8080',
      HTTP_USER_AGENT: 'fastcgi-load',
      HTTP_ACCEPT: '*/*',
    },
    stdin: '',
  }),
);

let counted = 0;
let counting = false;

function fail(message: string): never {
  process.stderr.write(`fastcgi-load: ${message}\n`);
  process.exit(1);
}

/** One connection: sends the request again each time the previous one's END_REQUEST arrives. */
function drive(): void {
  const socket = net.connect(socketPath, () => socket.write(request));
  let pending: Buffer | null = null;
  let checked = false;
  socket.on('data', (chunk: Buffer) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    // The first answer of each connection must be the page, or the numbers would be of errors.
    if (!checked) {
      if (!buf.includes('hello')) fail(`unexpected answer: ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`);
      checked = true;
    }
    let off = 0;
    while (buf.length - off >= 8) {
      const end = off + 8 + buf.readUInt16BE(off + 4) + (buf[off + 6] ?? 0);
      if (end > buf.length) break;
      if (buf[off + 1] === FCGI_END_REQUEST) {
        if (counting) counted++;
        socket.write(request);
      }
      off = end;
    }
    if (off < buf.length) pending = buf.subarray(off);
  });
  socket.on('error', (err) => fail(err.message));
  socket.on('close', () => fail('the server closed a connection'));
}

for (let i = 0; i < connections; i++) drive();
// One second for the connections to be accepted and settle, then the measured window.
setTimeout(() => {
  counting = true;
  process.stdout.write('measuring\n');
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ requestsPerSec: counted / seconds })}\n`);
    process.exit(0);
  }, seconds * 1000);
}, 1000);
