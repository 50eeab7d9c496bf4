// Process-level: the Host policy and the headers lighttpd allows once, answered by the running
// httpd-ts and by lighttpd 1.4.69 on the same requests (status, and which $HTTP["host"] block the
// normalized host selects, seen in the Server header).
import fs from 'node:fs';
import path from 'node:path';
import { startLighttpd, type RunningLighttpd } from './lighttpd-support';
import { parseResponses, rawExchange, startConf, tempDir, type RunningServer } from './serve-support';

let dir: string;
let server: RunningServer | null = null;
let lighttpd: RunningLighttpd | null = null;

// Regexes see the normalized host exactly (port 80 dropped, port in decimal, IPv6 in inet_ntop
// form); "==" would not tell, as lighttpd's == on a host ignores a ":port" suffix.
const CONF = `server.document-root = "${'${ROOT}'}/htdocs"
mimetype.assign = ( ".txt" => "text/plain" )
$HTTP["host"] =~ "^a$" { server.tag = "host-a" }
$HTTP["host"] =~ "^b:8$" { server.tag = "host-b-8" }
$HTTP["host"] =~ "^.::1.$" { server.tag = "host-v6" }
`;

const CASES: ReadonlyArray<readonly [string, string]> = [
  ['port beyond 65535', 'Host: a:99999\r\n'],
  ['port 65536', 'Host: a:65536\r\n'],
  ['port 0', 'Host: a:0\r\n'],
  ['octal port with an 8', 'Host: a:080\r\n'],
  ['IPv6 port beyond 65535', 'Host: [::1]:99999\r\n'],
  ['port 80 (dropped)', 'Host: a:80\r\n'],
  ['octal port 010 (8)', 'Host: b:010\r\n'],
  ['IPv6 in another spelling', 'Host: [0:0::1]:80\r\n'],
  ['two Content-Types', 'Host: a\r\nContent-Type: 5\r\nContent-Type: 4\r\n'],
  ['two equal Content-Types', 'Host: a\r\nContent-Type: text/plain\r\nContent-Type: TEXT/plain\r\n'],
  ['two HTTP2-Settings', 'Host: a\r\nHTTP2-Settings: AAMAAABk\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n'],
  ['two Hosts differing in case', 'Host: a\r\nHost: A\r\n'],
];

async function answers(port: number): Promise<string[]> {
  return Promise.all(
    CASES.map(async ([, headers]) => {
      const r = parseResponses(await rawExchange(port, `GET /f.txt HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`))[0];
      const tag = r?.headers['server'] ?? '';
      return `${r?.status ?? 'none'} ${tag.startsWith('host-') ? tag : '-'}`;
    }),
  );
}

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'htdocs'));
  fs.writeFileSync(path.join(dir, 'htdocs', 'f.txt'), 'f\n');
});
afterEach(async () => {
  await server?.stop();
  server = null;
  await lighttpd?.stop();
  lighttpd = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('httpd-ts answers every case as lighttpd 1.4.69 does', async () => {
  lighttpd = await startLighttpd(CONF.replace('${ROOT}', dir), dir);
  const theirs = await answers(lighttpd.port);
  server = await startConf(`${CONF.replace('${ROOT}', '@ROOT@')}server.bind = "127.0.0.1"\nserver.port = 0\nserver.errorlog = "@TMP@/error.log"\n`, dir);
  const ours = await answers(server.port);
  const named = (list: string[]): string[] => list.map((a, i) => `${CASES[i]?.[0]}: ${a}`);
  expect(named(theirs)).toEqual(named(['400 -', '400 -', '400 -', '400 -', '400 -', '200 host-a', '200 host-b-8', '200 host-v6', '400 -', '200 host-a', '400 -', '200 host-a']));
  expect(named(ours)).toEqual(named(theirs));
});
