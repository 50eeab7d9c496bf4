// Smoke test of `npm run demo`: the demo stack starts from its embedded configuration on a free
// port, answers static and FastCGI requests, and stops both services when it is done.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { freePort, tsNodeArgs, tsEnv } from '@libs/testing';

it('runs the demo stack and shows both services answering', async () => {
  const port = await freePort();
  const run = spawnSync(process.execPath, tsNodeArgs(path.join(__dirname, 'run-demo.ts'), ['--check']), {
    env: tsEnv({ DEMO_PORT: String(port) }),
    encoding: 'utf8',
    timeout: 60000,
  });
  expect(run.stderr).not.toMatch(/demo failed/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/GET \/\s+200 text\/html/);
  expect(run.stdout).toMatch(/GET \/files\/readme\.txt\s+200 text\/plain/);
  expect(run.stdout).toMatch(/hello\.js\s+-> \{"hello":"demo","pool":"www"/);
  expect(run.stdout).toMatch(/echo\.mjs\s+-> STREAMED BODY/);
  expect(run.stdout).toMatch(/process manager:\s+dynamic/);
  // --check stops both services: nothing is left listening on the demo port.
  await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
});
