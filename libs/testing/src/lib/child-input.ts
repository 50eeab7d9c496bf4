// A request body handed to a client program (cgi-fcgi) on its stdin. A server may answer before
// reading the body; the client then exits without reading it, and the write fails with EPIPE:
// that is the server's right, not a test failure.
import type { ChildProcess } from 'node:child_process';

export function endChildInput(child: ChildProcess, data: string | Buffer, onError: (err: Error) => void = () => undefined): void {
  child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') onError(err);
  });
  child.stdin?.end(data);
}
