// Access-log streams (lighttpd mod_accesslog `accesslog.filename`, php-fpm `access.log`): a file
// written through sonic-boom, or "|command" piped to a logger process as lighttpd's fdlog_pipes do.
//
// The file form uses sonic-boom in sync mode with minLength: small writes coalesce in memory and go
// out in one write(2) once the buffer passes minLength, on the periodic flush (lighttpd flushes
// buffered access logs from its once-a-second trigger), on flush() and at process exit. Sync mode
// keeps reopen() and flush() exact: no asynchronous write is ever in flight, so rotation cannot
// reorder, lose or duplicate a line.
import { spawn, type ChildProcess } from 'node:child_process';
import { SonicBoom } from 'sonic-boom';
import { LogError, logErrClosed, logErrOpen, logErrPipe } from './errors';
import { flushAtExit } from './exit-flush';
import { checkWritable, LOG_FILE_MODE } from './open-check';

export interface AccessLogOptions {
  // Bytes buffered before a write(2) (sonic-boom minLength; below its 16 KiB maxWrite).
  minLength?: number;
  // Milliseconds between flushes of a partly filled buffer; 0 disables the timer.
  flushIntervalMs?: number;
  // Asynchronous failures (a failed write, a piped logger that exited); default: ignored.
  onError?: (err: LogError) => void;
}

export interface AccessLog {
  // The path, or "|command" for a piped logger.
  readonly target: string;
  // Appends one entry; the newline is added here.
  write(line: string): void;
  // Reopen the file after rotation (no-op for a pipe or an inherited descriptor: whoever opened it
  // reopens it). Throws LOG_ERR_OPEN and keeps the old file.
  reopen(): void;
  flush(): void;
  close(): Promise<void>;
}

export const ACCESS_LOG_MIN_LENGTH = 4096;
export const ACCESS_LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * A file a parent process opened for this one (php-fpm's master opens access.log as root and its
 * children, running as the pool's user, write to the descriptor they inherit). `path` names it.
 */
export interface InheritedLogFile {
  readonly fd: number;
  readonly path: string;
}

export function createAccessLog(target: string | InheritedLogFile, options: AccessLogOptions = {}): AccessLog {
  if (typeof target !== 'string') return createFileLog(target.path, target.fd, options);
  return target.startsWith('|') ? createPipeLog(target, options) : createFileLog(target, null, options);
}

function createFileLog(path: string, inheritedFd: number | null, options: AccessLogOptions): AccessLog {
  const onError = options.onError ?? (() => undefined);
  if (inheritedFd === null) checkWritable(path);
  let dest: SonicBoom;
  try {
    dest = new SonicBoom({
      ...(inheritedFd === null ? { dest: path } : { fd: inheritedFd }),
      sync: true,
      minLength: options.minLength ?? ACCESS_LOG_MIN_LENGTH,
      periodicFlush: options.flushIntervalMs ?? ACCESS_LOG_FLUSH_INTERVAL_MS,
      mode: LOG_FILE_MODE,
    });
  } catch (err) {
    throw logErrOpen(path, err);
  }
  dest.on('error', (err: unknown) => onError(logErrOpen(path, err)));

  let closed = false;
  const unregister = flushAtExit({ flush: () => dest.flushSync() });

  return {
    target: path,
    write(line) {
      if (closed) throw logErrClosed(`access log '${path}'`);
      dest.write(line + '\n');
    },
    reopen() {
      if (closed) throw logErrClosed(`access log '${path}'`);
      if (inheritedFd !== null) return;
      checkWritable(path);
      // Buffered lines were written after the rotation began from the caller's point of view;
      // sonic-boom sends them to the new file, which keeps every line in exactly one file.
      dest.reopen();
    },
    flush() {
      if (!closed) dest.flushSync();
    },
    async close() {
      if (closed) return;
      closed = true;
      unregister();
      dest.flushSync();
      await new Promise<void>((resolve) => {
        dest.once('close', () => resolve());
        dest.end();
      });
    },
  };
}

// "|command": run through /bin/sh like lighttpd, entries go to its stdin. Node exposes the pipe only
// as a stream, so entries are buffered here (same minLength/interval) and handed to the stream;
// libuv writes to a pipe immediately when it has room, which is what makes the exit flush work.
function createPipeLog(target: string, options: AccessLogOptions): AccessLog {
  const command = target.slice(1).trim();
  const onError = options.onError ?? (() => undefined);
  const minLength = options.minLength ?? ACCESS_LOG_MIN_LENGTH;
  let buffer = '';
  let closed = false;
  let child: ChildProcess | undefined;

  function start(): ChildProcess {
    const proc = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'ignore', 'inherit'] });
    proc.on('error', (err) => onError(logErrPipe(command, err)));
    proc.stdin?.on('error', (err) => onError(logErrPipe(command, err)));
    proc.on('exit', (code, signal) => {
      if (child === proc) child = undefined;
      // lighttpd restarts a piped logger that died; we start a new one on the next flush.
      if (!closed) onError(logErrPipe(command, new Error(`exited with ${signal ?? `code ${code}`}`)));
    });
    return proc;
  }

  function flush(): void {
    if (buffer === '') return;
    child ??= start();
    child.stdin?.write(buffer);
    buffer = '';
  }

  child = start();
  const interval = options.flushIntervalMs ?? ACCESS_LOG_FLUSH_INTERVAL_MS;
  const timer = interval > 0 ? setInterval(flush, interval) : undefined;
  timer?.unref();
  const unregister = flushAtExit({ flush });

  return {
    target,
    write(line) {
      if (closed) throw logErrClosed(`access log '${target}'`);
      buffer += line + '\n';
      if (buffer.length >= minLength) flush();
    },
    reopen() {
      if (closed) throw logErrClosed(`access log '${target}'`);
    },
    flush,
    async close() {
      if (closed) return;
      flush();
      closed = true;
      unregister();
      if (timer !== undefined) clearInterval(timer);
      const proc = child;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      // End of input is the logger's cue to finish; wait for it so its output is complete.
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.stdin?.end();
      });
    },
  };
}
