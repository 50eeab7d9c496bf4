// Open (and create) a log file once up front so a bad path fails at start-up or at reopen with
// LOG_ERR_OPEN naming it, as lighttpd and php-fpm refuse to start without their log files.
import fs from 'node:fs';
import { logErrOpen } from './errors';

export const LOG_FILE_MODE = 0o644;

export function checkWritable(path: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path, 'a', LOG_FILE_MODE);
  } catch (err) {
    throw logErrOpen(path, err);
  }
  fs.closeSync(fd);
}
