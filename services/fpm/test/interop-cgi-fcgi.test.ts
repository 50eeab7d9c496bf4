// Interop: Debian's cgi-fcgi (libfcgi's reference client) → fpm-ts. `cgi-fcgi -bind -connect`
// sends its whole environment as FastCGI params and its stdin as the request body.
import { spawn } from 'node:child_process';
import { endChildInput } from '@libs/testing';
import { FpmUnderTest } from './master-harness';
import { copyHandlers } from './fixtures/interop/peers';

let fpm: FpmUnderTest | undefined;

afterEach(async () => {
  await fpm?.stop();
  fpm = undefined;
});

function cgiFcgiPost(socket: string, env: NodeJS.ProcessEnv, body: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('cgi-fcgi', ['-bind', '-connect', socket], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ out: Buffer.concat(chunks).toString('utf8'), code }));
    endChildInput(child, body, reject);
  });
}

test('cgi-fcgi reaches a JavaScript handler: params, a POST body, status and headers come back as CGI', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
`);
  copyHandlers(fpm.dir);
  const body = 'name=fpm-ts&payload=' + 'x'.repeat(70_000);
  const { out, code } = await cgiFcgiPost(
    fpm.path('www.sock'),
    {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'cgi-fcgi',
      REQUEST_METHOD: 'POST',
      SCRIPT_FILENAME: fpm.path('echo.js'),
      SCRIPT_NAME: '/echo.js',
      REQUEST_URI: '/echo.js?status=201&a=b',
      QUERY_STRING: 'status=201&a=b',
      CONTENT_TYPE: 'application/x-www-form-urlencoded',
      CONTENT_LENGTH: String(body.length),
      HTTP_HOST: 'interop.test',
      HTTP_X_PROBE: 'probe-value',
    },
    body,
  );
  expect(code).toBe(0);
  const split = out.indexOf('\r\n\r\n');
  const head = out.slice(0, split);
  expect(head).toMatch(/^Status: 201 Created\r\n/);
  expect(head).toMatch(/^x-handler: echo$/m);
  expect(head).toMatch(/^set-cookie: interop=1; Path=\/$/m);
  expect(head).toMatch(/^content-type: application\/json$/m);
  const echoed = JSON.parse(out.slice(split + 4)) as { method: string; path: string; query: string; body: string; params: Record<string, string | null> };
  expect(echoed).toMatchObject({ method: 'POST', path: '/echo.js', query: '?status=201&a=b', body });
  expect(echoed.params).toMatchObject({
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'cgi-fcgi',
    SCRIPT_NAME: '/echo.js',
    SCRIPT_FILENAME: fpm.path('echo.js'),
    CONTENT_LENGTH: String(body.length),
    HTTP_X_PROBE: 'probe-value',
  });
});

test('cgi-fcgi gets php-fpm\'s answers for a missing script and a denied extension', async () => {
  fpm = await FpmUnderTest.start(`[global]
error_log = /dev/stderr
[www]
listen = @DIR@/www.sock
pm = static
pm.max_children = 1
catch_workers_output = yes
`);
  copyHandlers(fpm.dir);
  const env = (script: string): NodeJS.ProcessEnv => ({ REQUEST_METHOD: 'GET', SCRIPT_FILENAME: fpm?.path(script), SCRIPT_NAME: `/${script}`, REQUEST_URI: `/${script}` });
  const missing = await cgiFcgiPost(fpm.path('www.sock'), env('nope.js'), '');
  expect(missing.out).toMatch(/^Status: 404 Not Found\r\n/);
  expect(missing.out).toMatch(/File not found\.\n$/);
  const denied = await cgiFcgiPost(fpm.path('www.sock'), env('info.php'), '');
  expect(denied.out).toMatch(/^Status: 403 Forbidden\r\n/);
  expect(denied.out).toMatch(/Access denied\.\n$/);
  await fpm.waitLine(/\[pool www\] Access to the script '.*info\.php' has been denied \(see security\.limit_extensions\)/);
});
