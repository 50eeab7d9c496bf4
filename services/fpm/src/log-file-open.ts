// How fpm-ts opens error_log and a pool's access.log and slowlog, in the configuration check and in
// the master: as php-fpm does, open(path, O_WRONLY | O_APPEND | O_CREAT, S_IRUSR | S_IWUSR).
import fs from 'node:fs';
import { sysErrorText, type FpmError } from './errors';

const LOG_FILE_MODE = 0o600;

/** The descriptor, opened for appending (made if missing); a failure throws `fail` in php-fpm's words. */
export function openLogFile(path: string, fail: (path: string, reason: string) => FpmError): number {
  try {
    return fs.openSync(path, 'a', LOG_FILE_MODE);
  } catch (err) {
    throw fail(path, sysErrorText(err));
  }
}
