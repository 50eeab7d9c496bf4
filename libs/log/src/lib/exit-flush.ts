// One process 'exit' listener that flushes every open log synchronously, as pino does for its
// sonic-boom destinations, so buffered lines survive process.exit() and a normal end of the loop.
type Flushable = { flush(): void };

const open = new Set<Flushable>();

function flushAll(): void {
  for (const log of open) {
    try {
      log.flush();
    } catch {
      // Nothing is left to report to at exit; the remaining logs still get their turn.
    }
  }
}

export function flushAtExit(log: Flushable): () => void {
  if (open.size === 0) process.on('exit', flushAll);
  open.add(log);
  return () => {
    open.delete(log);
    if (open.size === 0) process.removeListener('exit', flushAll);
  };
}
