// White-box tests of the request head mod_proxy sends (lighttpd 1.4.69 proxy_create_env / proxy_set_Forwarded).
import { FORWARDED_FOR, FORWARDED_HOST, FORWARDED_PROTO } from './proxy-config';
import { buildProxyRequest, type ProxyRequestInput } from './proxy-request';

const base: ProxyRequestInput = {
  method: 'GET',
  target: '/x?y',
  httpVersion: 11,
  host: 'site.example',
  headers: [],
  bodyLength: 0,
  remoteIp: '192.0.2.7',
  scheme: 'http',
  localAddress: '127.0.0.1',
  localPort: 80,
  serverSocket: '127.0.0.1:80',
  forwarded: 0,
  replaceHost: null,
  forceHttp10: false,
  upgrade: false,
  remap: null,
};
const head = (x: Partial<ProxyRequestInput>): string[] => buildProxyRequest({ ...base, ...x }).head.toString('latin1').split('\r\n');

describe('buildProxyRequest', () => {
  it('writes HTTP/1.1 with Host, the X-Forwarded headers, the client headers without hop-by-hop ones, and Connection: close', () => {
    expect(head({ headers: ['x-a', '1', 'proxy', 'p', 'connection', 'keep-alive', 'te', 'trailers', 'x-a', '2', 'set-cookie', 's'] })).toEqual([
      'GET /x?y HTTP/1.1',
      'Host: site.example',
      'X-A: 1, 2',
      'Te: trailers',
      'X-Forwarded-For: 192.0.2.7',
      'X-Host: site.example',
      'X-Forwarded-Host: site.example',
      'X-Forwarded-Proto: http',
      'Connection: close, te',
      '',
      '',
    ]);
  });

  it('falls back to HTTP/1.0 without a Host and gives a body its length', () => {
    const lines = head({ host: '', method: 'PUT', bodyLength: 0 });
    expect(lines[0]).toBe('PUT /x?y HTTP/1.0');
    expect(lines).toContain('Content-Length: 0');
    expect(lines.some((l) => l.startsWith('Host:'))).toBe(false);
  });

  it('chunk-encodes a body of unknown length', () => {
    const out = buildProxyRequest({ ...base, method: 'POST', bodyLength: -1 });
    expect(out.chunked).toBe(true);
    expect(out.head.toString()).toContain('\r\nTransfer-Encoding: chunked\r\n');
  });

  it('builds Forwarded, seeded from X-Forwarded-For', () => {
    const lines = head({ forwarded: FORWARDED_FOR | FORWARDED_PROTO | FORWARDED_HOST, headers: ['x-forwarded-for', '10.0.0.1, 2001:db8::1'] });
    expect(lines).toContain('Forwarded: for="10.0.0.1", for="[2001:db8::1]", for=192.0.2.7;proto=http;host="site.example"');
    expect(lines).toContain('X-Forwarded-For: 10.0.0.1, 2001:db8::1, 192.0.2.7');
  });

  it('passes Upgrade only with "upgrade" enabled on HTTP/1.1, and names it in Connection', () => {
    const ws = ['upgrade', 'websocket', 'connection', 'Upgrade', 'sec-websocket-key', 'k'];
    const on = head({ headers: ws, upgrade: true });
    expect(on).toContain('Upgrade: websocket');
    expect(on).toContain('Sec-Websocket-Key: k');
    expect(on[on.length - 3]).toBe('Connection: close, upgrade');
    const off = head({ headers: ws });
    expect(off.some((l) => l.startsWith('Upgrade:'))).toBe(false);
    expect(off[off.length - 3]).toBe('Connection: close');
    expect(head({ headers: ws, upgrade: true, forceHttp10: true }).some((l) => l.startsWith('Upgrade:'))).toBe(false);
    expect(head({ headers: ws, upgrade: true, httpVersion: 10 }).some((l) => l.startsWith('Upgrade:'))).toBe(false);
    // without a Connection header from the client, Upgrade passes but is not named
    const bare = head({ headers: ['upgrade', 'websocket'], upgrade: true });
    expect(bare).toContain('Upgrade: websocket');
    expect(bare[bare.length - 3]).toBe('Connection: close');
  });
});
