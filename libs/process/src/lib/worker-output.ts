// Child stdout/stderr split into lines for php-fpm's catch_workers_output (fpm_stdio.c reads the
// pipes and logs one line per message), with php-fpm's log_limit cutting overlong lines.
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export type OutputStream = 'stdout' | 'stderr';
export type OutputLineHandler = (line: string, stream: OutputStream, pid: number) => void;

/** php-fpm's default log_limit: longer lines are split. */
export const DEFAULT_LINE_LIMIT = 1024;

export function pipeLines(
  readable: Readable,
  stream: OutputStream,
  pid: number,
  onLine: OutputLineHandler,
  limit = DEFAULT_LINE_LIMIT,
): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (line: string): void => {
    for (let i = 0; i < line.length || i === 0; i += limit) onLine(line.slice(i, i + limit), stream, pid);
  };
  readable.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      emit(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  });
  readable.on('end', () => {
    pending += decoder.end();
    if (pending !== '') emit(pending);
    pending = '';
  });
}
