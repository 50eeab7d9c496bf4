// The fpm-ts command: php-fpm's flags and config, JavaScript (or external FastCGI) workers.
import { main } from '../src/main';
import { startMaster } from '../src/master';

main(process.argv.slice(2), startMaster).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fpm-ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
