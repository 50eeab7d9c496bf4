// Test helper: read a child's output line by line and wait for the line a test expects, so tests
// synchronise on what a real process reports instead of sleeping.
import type { Readable } from 'node:stream';

export interface LineReader {
  // Resolves with (and consumes) the first unconsumed line matching; rejects after timeoutMs.
  next(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  // Every line seen so far, consumed or not.
  readonly all: readonly string[];
}

export function readLines(stream: Readable | null | undefined): LineReader {
  const pending: string[] = [];
  const all: string[] = [];
  const waiters: Array<{ predicate: (line: string) => boolean; resolve: (line: string) => void }> = [];
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      all.push(line);
      const waiter = waiters.find((w) => w.predicate(line));
      if (waiter === undefined) {
        pending.push(line);
      } else {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  return {
    all,
    next(predicate, timeoutMs = 10000) {
      const index = pending.findIndex(predicate);
      if (index >= 0) return Promise.resolve(pending.splice(index, 1)[0] as string);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching line within ${timeoutMs} ms; lines so far:\n${all.join('\n')}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}
