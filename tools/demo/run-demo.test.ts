// Smoke test of `npm run demo`: the demo stack starts from its embedded configuration on a port the
// kernel picks, answers static requests and, through httpd-ts, fpm-ts's pages, and stops both services.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tsNodeArgs, tsEnv } from '@libs/testing';

it('runs the demo stack and shows both services answering', async () => {
  const run = spawnSync(process.execPath, tsNodeArgs(path.join(__dirname, 'run-demo.ts'), ['--check']), {
    env: tsEnv({ DEMO_PORT: '0' }),
    encoding: 'utf8',
    timeout: 60000,
  });
  expect(run.stderr).not.toMatch(/demo failed/);
  expect(run.status).toBe(0);
  const base = /httpd-ts in front of fpm-ts: (http:\/\/127\.0\.0\.1:\d+)\//.exec(run.stdout)?.[1];
  expect(base).toBeDefined();
  expect(run.stdout).toMatch(/GET \/\s+200 text\/html/);
  expect(run.stdout).toMatch(/GET \/files\/readme\.txt\s+200 text\/plain/);
  // through httpd-ts (mod_fastcgi) to fpm-ts: a JSON handler, a rendered form and its POST round trip, the status page
  expect(run.stdout).toMatch(/GET \/hello\.js\?name=demo\s+200 application\/json\S*\s+\{"hello":"demo","pool":"www"/);
  expect(run.stdout).toMatch(/GET \/form\.mjs\s+200 text\/html/);
  expect(run.stdout).toMatch(/POST \/form\.mjs\s+200 received: name demo note sent through httpd-ts/);
  expect(run.stdout).toMatch(/process manager:\s+dynamic/);
  // httpd-ts's own status page (mod_status) counts the requests above
  const accesses = /GET \/server-status\?auto \(httpd-ts, mod_status\) -> Total Accesses: (\d+)/.exec(run.stdout)?.[1];
  expect(Number(accesses)).toBeGreaterThanOrEqual(8);
  expect(run.stdout).toMatch(/echo\.mjs\s+-> STREAMED BODY/);
  // --check stops both services: nothing is left listening on the demo's port.
  await expect(fetch(`${base}/`)).rejects.toThrow();
});
