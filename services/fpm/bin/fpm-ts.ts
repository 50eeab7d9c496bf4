// The fpm-ts command: php-fpm's flags and config, JavaScript (or external FastCGI) workers.
// The master re-runs this same file for its JavaScript workers, with FPM_TS_WORKER set.
import { main } from '../src/main';
import { startMaster } from '../src/master';
import { runWorker } from '../src/worker/worker-main';
import { WORKER_BOOTSTRAP_ENV, type WorkerBootstrap } from '../src/worker/worker-messages';

const bootstrap = process.env[WORKER_BOOTSTRAP_ENV];
if (bootstrap !== undefined) {
  delete process.env[WORKER_BOOTSTRAP_ENV];
  runWorker(JSON.parse(bootstrap) as WorkerBootstrap);
} else {
  main(process.argv.slice(2), startMaster).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fpm-ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
