// Interop: Debian's lighttpd 1.4.69 mod_fastcgi → fpm-ts over a unix socket (one FastCGI
// connection per request, SCRIPT_FILENAME = document root + path, as lighttpd sends it).
import { FpmUnderTest } from './master-harness';
import { copyHandlers, httpRequest, WebServer } from './fixtures/interop/peers';

let fpm: FpmUnderTest | undefined;
let lighttpd: WebServer | undefined;

afterEach(async () => {
  await lighttpd?.stop();
  await fpm?.stop();
  lighttpd = undefined;
  fpm = undefined;
});

test('lighttpd mod_fastcgi serves .js through fpm-ts: GET, POST body, status and headers', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 2
`);
  copyHandlers(fpm.dir);
  lighttpd = await WebServer.lighttpd(
    fpm.dir,
    `server.modules += ( "mod_fastcgi" )
fastcgi.server = ( ".js" => (( "socket" => "${fpm.path('www.sock')}", "check-local" => "disable" )) )
`,
  );
  for (let i = 0; i < 20; i++) {
    const res = await httpRequest(lighttpd.socket, 'GET', `/echo.js?i=${i}`, undefined, { 'x-probe': `l${i}` });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.body) as { query: string; params: Record<string, string | null> };
    expect(echoed.query).toBe(`?i=${i}`);
    expect(echoed.params).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SCRIPT_NAME: '/echo.js',
      SCRIPT_FILENAME: fpm.path('echo.js'),
      HTTP_X_PROBE: `l${i}`,
    });
    expect(echoed.params.SERVER_SOFTWARE).toMatch(/^lighttpd\//);
  }

  const body = 'x'.repeat(150_000);
  const posted = await httpRequest(lighttpd.socket, 'POST', '/echo.js?status=202', body, { 'content-type': 'text/plain' });
  expect(posted.status).toBe(202);
  expect(posted.headers['x-handler']).toBe('echo');
  expect(posted.headers['set-cookie']).toEqual(['interop=1; Path=/']);
  const echoed = JSON.parse(posted.body) as { method: string; body: string; params: Record<string, string | null> };
  expect(echoed).toMatchObject({ method: 'POST', body });
  expect(echoed.params.CONTENT_LENGTH).toBe(String(body.length));

  expect((await httpRequest(lighttpd.socket, 'GET', '/throws.js')).status).toBe(500);
  // lighttpd copies what the backend wrote on FastCGI stderr into its error log.
  expect(lighttpd.errorLogText()).toMatch(/FastCGI-stderr:.*interop handler exploded/);
  expect((await httpRequest(lighttpd.socket, 'GET', '/missing.js')).status).toBe(404);
  expect((await httpRequest(lighttpd.socket, 'GET', '/echo.js')).status).toBe(200);
});
