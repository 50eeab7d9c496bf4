// httpd-ts command entry (bundled into dist/httpd-ts.js by the build): runs main() on this process's argv.
import { main } from '../src/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`httpd-ts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
