// keep-conn (httpd-ts's own host key; nginx's fastcgi_keep_conn): FastCGI connections to fpm-ts are
// kept for the next request. A relay between httpd-ts and fpm-ts counts the connections and can
// play a backend that closed a kept-alive connection just as httpd-ts reuses it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FASTCGI_FIXTURES, type FastcgiPeer, md5, request, startFpmTs } from './fastcgi-support';
import { runHttpd, startConf, tempDir, type RunningServer } from './serve-support';

let dir: string;
let backend: FastcgiPeer | null = null;
let server: RunningServer | null = null;
let relay: Relay | null = null;

afterEach(async () => {
  await server?.stop('SIGTERM');
  server = null;
  await relay?.close();
  relay = null;
  await backend?.stop();
  backend = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Relay {
  readonly socket: string;
  /** Connections accepted so far. */
  connections: number;
  /** Close a connection when a new request arrives on it after its first one. */
  dropReused: boolean;
  close(): Promise<void>;
}

/** A unix socket that relays each connection to `target`, counting them. */
async function startRelay(target: string): Promise<Relay> {
  const socket = path.join(dir, 'relay.sock');
  const open = new Set<net.Socket>();
  const r: Relay = {
    socket,
    connections: 0,
    dropReused: false,
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        srv.close(() => resolve());
      }),
  };
  const srv = net.createServer((client) => {
    r.connections++;
    const up = net.connect(target);
    open.add(client).add(up);
    let answered = false;
    up.on('data', (d: Buffer) => {
      answered = true;
      client.write(d);
    });
    client.on('data', (d: Buffer) => {
      // a second request on this connection: play the backend that had closed it
      if (answered && r.dropReused) {
        client.destroy();
        up.destroy();
        return;
      }
      up.write(d);
    });
    for (const s of [client, up]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        up.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => srv.listen(socket, resolve));
  return r;
}

function docroot(): string {
  const www = path.join(dir, 'www');
  fs.mkdirSync(www);
  fs.copyFileSync(path.join(FASTCGI_FIXTURES, 'hello.js'), path.join(www, 'hello.js'));
  return www;
}

function conf(www: string, socket: string, keepConn: boolean): string {
  return [
    'server.bind = "127.0.0.1"',
    'server.port = 0',
    'server.errorlog = "@TMP@/error.log"',
    'server.modules += ( "mod_fastcgi" )',
    `server.document-root = "${www}"`,
    `fastcgi.server = ( ".js" => (( "socket" => "${socket}"${keepConn ? ', "keep-conn" => "enable"' : ''} )) )`,
    '',
  ].join('\n');
}


test('keeps one FastCGI connection for sequential requests, GETs and POSTs alike; without keep-conn one per request', async () => {
  dir = tempDir();
  const www = docroot();
  backend = await startFpmTs(dir);
  relay = await startRelay(backend.socket);
  server = await startConf(conf(www, relay.socket, true), dir);
  for (let i = 0; i < 20; i++) {
    const body = i % 2 === 0 ? undefined : Buffer.alloc(100_000 + i, 'b');
    const res = await request(server.port, body === undefined ? 'GET' : 'POST', `/hello.js?i=${i}`, body);
    expect(res.status).toBe(201);
    const json = JSON.parse(res.body.toString()) as { query: string; length: number; md5: string };
    expect(json.query).toBe(`?i=${i}`);
    expect(json.length).toBe(body?.length ?? 0);
    if (body !== undefined) expect(json.md5).toBe(md5(body));
  }
  expect(relay.connections).toBe(1);

  await server.stop('SIGTERM');
  relay.connections = 0;
  server = await startConf(conf(www, relay.socket, false), dir);
  for (let i = 0; i < 5; i++) expect((await request(server.port, 'GET', '/hello.js')).status).toBe(201);
  expect(relay.connections).toBe(5);
});

test('sends a request again on a new connection when the backend had closed the kept-alive one', async () => {
  dir = tempDir();
  const www = docroot();
  backend = await startFpmTs(dir);
  relay = await startRelay(backend.socket);
  server = await startConf(conf(www, relay.socket, true), dir);
  expect((await request(server.port, 'GET', '/hello.js?first')).status).toBe(201);
  relay.dropReused = true;
  const res = await request(server.port, 'GET', '/hello.js?second');
  expect(res.status).toBe(201);
  expect((JSON.parse(res.body.toString()) as { query: string }).query).toBe('?second');
  // the kept connection, dropped, and a new one
  expect(relay.connections).toBe(2);
});

test('refuses keep-conn where the protocol has none (proxy.server)', async () => {
  dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'httpd.conf'),
    `server.document-root = "${dir}"\nserver.port = 0\nserver.modules += ( "mod_proxy" )\nproxy.server = ( "" => (( "host" => "127.0.0.1", "port" => 1, "keep-conn" => "enable" )) )\n`,
  );
  const run = await runHttpd(['-tt', '-f', path.join(dir, 'httpd.conf')]);
  expect(run.code).toBe(255);
  expect(run.stderr).toContain('"keep-conn" is available for fastcgi.server only');
});
