// Thin net.Socket adapters over the codec helpers: serveFastcgi (an application listening, as
// php-fpm's worker loop does) and FastcgiClientConnection (a web server's backend connection).
import net from 'node:net';
import type { ServiceLog } from '@libs/log';
import { readIntoBuffer } from './borrowed-reads';
import { FastcgiClient, type EncodeRequestOptions, type FastcgiClientRequest, type FastcgiClientRequestOptions } from './client-connection';
import { errors, type FastcgiError } from './errors';
import type { ParamsEncoding } from './name-value';
import {
  FastcgiServerConnection,
  type FastcgiServerConnectionOptions,
  type FastcgiServerRequest,
} from './server-connection';

/** Handles one request: write the response and call req.end(). */
export type FastcgiHandler = (request: FastcgiServerRequest) => void | Promise<void>;

export type ServeFastcgiOptions = Omit<FastcgiServerConnectionOptions, 'write' | 'close' | 'onRequest' | 'onFinish' | 'peer'>;

export interface FastcgiServing {
  /** Connections currently open. */
  readonly connections: number;
  /** Stop taking connections from the server and destroy the open ones. */
  closeAll(): void;
  /**
   * Graceful end, as a php-fpm child leaving: connections idle between requests are closed,
   * a connection still waiting for its first request or running one is served first and closed
   * after; `onDrained` runs once none is left.
   */
  drain(onDrained: () => void): void;
}

/**
 * Writes stay corked until the current tick's promise chain has run, so a response's head, body
 * and END_REQUEST (several calls) leave in one writev instead of one syscall each.
 */
function writeAll(socket: net.Socket, chunks: Buffer[]): void {
  if (socket.destroyed) return;
  if (!socket.writableCorked) {
    socket.cork();
    process.nextTick(uncork, socket);
  }
  for (const chunk of chunks) socket.write(chunk);
}

/**
 * Requests answered while their bytes are parsed (handlers that answer at once) leave in one
 * write when the parsing is done, without waiting for the next tick.
 */
function executeCorked(socket: net.Socket, conn: FastcgiServerConnection, chunk: Buffer): void {
  socket.cork();
  try {
    conn.execute(chunk);
  } finally {
    socket.uncork();
  }
}

function uncork(socket: net.Socket): void {
  if (socket.writableCorked) socket.uncork();
}

/** After a protocol error: what was written this tick still gets its try at the socket first. */
function destroyAfterFlush(socket: net.Socket): void {
  uncork(socket);
  socket.destroy();
}

function peerName(socket: net.Socket): string {
  return socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix socket peer';
}

/** How long a draining connection waits for the web server to close its side. */
const DRAIN_LINGER_MS = 2000;

/** A whole record with the largest content and padding fits. */
const READ_BUFFER_SIZE = 64 * 1024 + 512;

/**
 * Serve FastCGI on an existing net.Server (listening or not). A handler that throws or
 * rejects gets php-fpm's answer: a 500 when nothing was sent yet, then END_REQUEST with status 255.
 * Made with `pauseOnConnect: true`, the server's connections read into one reused buffer
 * (see borrowed-reads.ts); otherwise, and for sockets emitted from elsewhere, 'data' events.
 */
export function serveFastcgi(server: net.Server, handler: FastcgiHandler, options: ServeFastcgiOptions): FastcgiServing {
  const sockets = new Set<net.Socket>();
  const log: ServiceLog = options.log;

  const failRequest = (request: FastcgiServerRequest, err: unknown): void => {
    log.error(`FastCGI request ${request.id} (${request.params.get('SCRIPT_FILENAME') ?? '-'}) failed: ${describe(err)}`);
    if (request.finished) return;
    if (request.bytesWritten === 0) request.write('Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n');
    request.end(255);
  };

  const runHandler = (request: FastcgiServerRequest): void => {
    try {
      const result = handler(request);
      if (result !== undefined) result.catch((err: unknown) => failRequest(request, err));
    } catch (err) {
      failRequest(request, err);
    }
  };

  // A connection is idle once it has served a request and runs none: only then may a drain close it.
  const idle = new Map<net.Socket, () => boolean>();
  let onDrained: (() => void) | null = null;
  const checkDrained = (): void => {
    if (onDrained !== null && sockets.size === 0) {
      const done = onDrained;
      onDrained = null;
      done();
    }
  };
  // php-fpm's fcgi_close(): shut down our side and read until the web server closes its own, so
  // a record it is still sending (cgi-fcgi's STDIN terminator, say) is not answered with a reset;
  // a peer that never closes is cut off after DRAIN_LINGER_MS.
  const closeGracefully = (socket: net.Socket): void => {
    socket.end();
    const linger = setTimeout(() => socket.destroy(), DRAIN_LINGER_MS);
    socket.once('close', () => clearTimeout(linger));
  };

  // One read buffer for every connection: a read is parsed before the next one is made.
  const readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  const onConnection = (accepted: net.Socket): void => {
    // The first read comes from the event loop, after `conn` below exists.
    const socket = readIntoBuffer(accepted, readBuffer, (bytes) => executeCorked(socket, conn, bytes)) ?? accepted;
    sockets.add(socket);
    let served = 0;
    const conn = new FastcgiServerConnection({
      ...options,
      peer: peerName(socket),
      remoteAddress: socket.remoteAddress,
      write: (chunks) => writeAll(socket, chunks),
      close: (reason) => (reason === null ? socket.end() : destroyAfterFlush(socket)),
      onRequest: runHandler,
      onFinish: () => {
        served++;
        if (onDrained !== null && conn.activeRequests === 0) closeGracefully(socket);
      },
    });
    idle.set(socket, () => served > 0 && conn.activeRequests === 0);
    // A web server that shut down its side still reads our answers (FastcgiServerConnection.end).
    socket.allowHalfOpen = true;
    if (socket === accepted) socket.on('data', (chunk: Buffer) => executeCorked(socket, conn, chunk));
    socket.on('end', () => conn.end());
    socket.on('error', (err) => log.debug(`FastCGI connection from ${peerName(socket)}: ${err.message}`));
    socket.on('close', () => {
      sockets.delete(socket);
      idle.delete(socket);
      conn.destroy();
      checkDrained();
    });
  };

  server.on('connection', onConnection);
  return {
    get connections() {
      return sockets.size;
    },
    closeAll() {
      server.off('connection', onConnection);
      for (const socket of sockets) socket.destroy();
    },
    drain(done) {
      onDrained = done;
      for (const [socket, isIdle] of idle) if (isIdle()) closeGracefully(socket);
      checkDrained();
    },
  };
}

export interface FastcgiResponse {
  stdout: Buffer;
  stderr: Buffer;
  appStatus: number;
  protocolStatus: number;
}

export interface FastcgiClientConnectionOptions {
  log: ServiceLog;
  paramsEncoding?: ParamsEncoding;
}

/** A web server's connection to one FastCGI application, over a connected net.Socket. */
export class FastcgiClientConnection {
  private readonly client: FastcgiClient;
  private readonly valueWaiters: Array<{ resolve(v: Map<string, string>): void; reject(e: FastcgiError): void }> = [];

  constructor(
    readonly socket: net.Socket,
    options: FastcgiClientConnectionOptions,
  ) {
    const peer = socket.remoteAddress !== undefined ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix socket';
    this.client = new FastcgiClient({
      log: options.log,
      peer,
      paramsEncoding: options.paramsEncoding,
      write: (chunks) => writeAll(socket, chunks),
      close: (reason) => {
        for (const waiter of this.valueWaiters.splice(0)) waiter.reject(reason ?? errors.closed('FastCGI connection'));
        if (reason === null) socket.end();
        else destroyAfterFlush(socket);
      },
      onValues: (values) => this.valueWaiters.shift()?.resolve(values),
    });
    socket.on('data', (chunk: Buffer) => this.client.execute(chunk));
    socket.on('end', () => this.client.end());
    socket.on('error', (err) => options.log.debug(`FastCGI connection to ${peer}: ${err.message}`));
    socket.on('close', () => this.client.destroy());
  }

  /** Connect to host:port or a unix socket path. */
  static connect(target: net.NetConnectOpts, options: FastcgiClientConnectionOptions): Promise<FastcgiClientConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(target);
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new FastcgiClientConnection(socket, options));
      });
    });
  }

  get closed(): boolean {
    return this.client.closed;
  }

  get activeRequests(): number {
    return this.client.activeRequests;
  }

  /** Send a whole request (stdin defaults to empty) and collect the whole response. */
  request(options: EncodeRequestOptions): Promise<FastcgiResponse> {
    return new Promise((resolve, reject) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      try {
        this.client.request({
          ...options,
          stdin: options.stdin ?? Buffer.alloc(0),
          onStdout: (c) => stdout.push(Buffer.from(c)),
          onStderr: (c) => stderr.push(Buffer.from(c)),
          onEnd: (appStatus, protocolStatus) =>
            resolve({ stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), appStatus, protocolStatus }),
          onError: reject,
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Start a request whose body and response are streamed through the given callbacks. */
  startRequest(options: FastcgiClientRequestOptions): FastcgiClientRequest {
    return this.client.request(options);
  }

  /** GET_VALUES round trip. */
  getValues(names: Iterable<string>): Promise<Map<string, string>> {
    return new Promise((resolve, reject) => {
      try {
        this.client.getValues(names);
        this.valueWaiters.push({ resolve, reject });
      } catch (err) {
        reject(err);
      }
    });
  }

  /** Close gracefully (after pending writes). */
  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
