// server.username / server.groupname: started as root, httpd-ts binds, writes its pid file, then
// runs as that user, as lighttpd does; it refuses to "drop" to root.
import fs from 'node:fs';
import path from 'node:path';
import { startConf, tempDir, until, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;

beforeEach(() => {
  dir = tempDir();
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'htdocs'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'htdocs', 'hello.txt'), 'hello\n', { mode: 0o644 });
});

afterEach(async () => {
  await server?.stop('SIGKILL');
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const conf = (user: string): string => `server.document-root = "@ROOT@/htdocs"
server.bind = "127.0.0.1"
server.port = 0
server.pid-file = "@ROOT@/httpd.pid"
server.errorlog = "@ROOT@/error.log"
server.username = "${user}"
server.groupname = "nogroup"
`;

const ids = (pid: number): { uid: string; gid: string } => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '', gid: /^Gid:\s+(\d+)/m.exec(status)?.[1] ?? '' };
};

it('runs as server.username/server.groupname after binding, and still serves', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root, as the service it checks is started as root');
  server = await startConf(conf('nobody'), dir);
  const pid = server.child.pid ?? 0;
  await until(() => ids(pid).uid === '65534');
  expect(ids(pid)).toEqual({ uid: '65534', gid: '65534' });
  expect(fs.readFileSync(path.join(dir, 'httpd.pid'), 'utf8').trim()).toBe(String(pid));
  const res = await fetch(`http://127.0.0.1:${server.port}/hello.txt`);
  expect(await res.text()).toBe('hello\n');
});

it('refuses to drop privileges to root, and exits', async () => {
  const started = Date.now();
  await expect(startConf(conf('root'), dir)).rejects.toThrow(/I will not set uid to 0/);
  // It exited by itself (the harness gives a server that neither starts nor exits 15 s).
  expect(Date.now() - started).toBeLessThan(10000);
});
