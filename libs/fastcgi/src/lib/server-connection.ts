// Application side of one FastCGI connection, without sockets: bytes in (execute), bytes out
// (write callback) and requests as objects. Follows the spec's application rules as libfcgi's
// fcgiapp.c and php's fastcgi.c apply them (management records, CANT_MPX_CONN, KEEP_CONN).
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { ServiceLog } from '@libs/log';
import { ParamList } from './param-list';
import {
  FCGI_CANT_MPX_CONN,
  FCGI_DATA,
  FCGI_FILTER,
  FCGI_KEEP_CONN,
  FCGI_MAX_CONNS,
  FCGI_MAX_REQS,
  FCGI_MAX_STREAM_CHUNK,
  FCGI_MPXS_CONNS,
  FCGI_NULL_REQUEST_ID,
  FCGI_OVERLOADED,
  FCGI_PARAMS,
  FCGI_REQUEST_COMPLETE,
  FCGI_RESPONDER,
  FCGI_STDERR,
  FCGI_STDIN,
  FCGI_STDOUT,
  FCGI_UNKNOWN_ROLE,
} from './constants';
import { errors, type FastcgiError, isFastcgiError } from './errors';
import { NameValueDecoder, type ParamsEncoding } from './name-value';
import { encodeEndRequest, encodeGetValuesResult, encodeResponseEnd, encodeStream, encodeUnknownType } from './record-encoder';
import { RecordParser, type FastcgiRecord } from './record-parser';

export interface FastcgiServerConnectionOptions {
  log: ServiceLog;
  /** Bytes for the peer, in order (an array meant for writev). */
  write(chunks: Buffer[]): void;
  /**
   * The transport must close: reason null after the last request without FCGI_KEEP_CONN (close
   * once written output is flushed), a FastcgiError when the peer broke the protocol.
   */
  close(reason: FastcgiError | null): void;
  /** A request whose PARAMS stream has ended. */
  onRequest(request: FastcgiServerRequest): void;
  /** A request has written its END_REQUEST (what its 'finish' event says, without a listener per request). */
  onFinish?(request: FastcgiServerRequest): void;
  /** FCGI_MPXS_CONNS: accept concurrent requests on this connection (default false). */
  mpxsConns?: boolean;
  /** Reported as FCGI_MAX_CONNS (default 1). */
  maxConns?: number;
  /** Reported as FCGI_MAX_REQS and enforced with OVERLOADED when multiplexing (default 1). */
  maxReqs?: number;
  /** Roles this application plays; others get UNKNOWN_ROLE (default: responder only). */
  roles?: readonly number[];
  /** Upper bound on one request's PARAMS stream in bytes (default 1 MiB). */
  maxParamsLength?: number;
  paramsEncoding?: ParamsEncoding;
  /** Names the peer in log lines. */
  peer?: string;
  /** The web server's IP address (undefined over a unix socket): php-fpm's %R. */
  remoteAddress?: string;
}

const DEFAULT_MAX_PARAMS_LENGTH = 1024 * 1024;

/**
 * One request on the application side. stdin (and data for the filter role) are Readables fed
 * from STDIN/DATA records; write/writeStderr/end produce STDOUT, STDERR and END_REQUEST.
 * Emits 'abort' when the web server sends ABORT_REQUEST, 'finish' once END_REQUEST is written.
 */
export class FastcgiServerRequest extends EventEmitter {
  readonly params = new ParamList();
  /** The STDIN stream once someone asked for it; until then its chunks wait in stdinQueue. */
  private stdinStream: Readable | null = null;
  private stdinQueue: Buffer[] | null = null;
  /** STDIN's terminator arrived. */
  stdinEnded = false;
  /** Destroyed (abort, end of request) or discarded: chunks are dropped. */
  private stdinGone = false;
  private dataStream: Readable | null = null;
  aborted = false;
  finished = false;
  /** STDOUT bytes written so far (0 means the response head can still be chosen). */
  bytesWritten = 0;
  /** True once the PARAMS stream ended and the request was handed to onRequest. */
  started = false;
  /** @internal decoder for the PARAMS stream */
  readonly paramsDecoder: NameValueDecoder;
  private stderrUsed = false;

  constructor(
    readonly id: number,
    readonly role: number,
    readonly flags: number,
    private readonly conn: FastcgiServerConnection,
    maxParamsLength: number,
    encoding: ParamsEncoding,
  ) {
    super();
    this.paramsDecoder = new NameValueDecoder((name, value, latin1) => this.params.add(name, value, latin1), {
      maxLength: maxParamsLength,
      encoding,
    });
  }

  /**
   * The request body (FCGI_STDIN). Made on first use: most requests have none and nobody asks,
   * and a Readable with its end events costs more than the rest of such a request.
   */
  get stdin(): Readable {
    if (this.stdinStream === null) {
      const stream = new Readable({ read: noop });
      for (const chunk of this.stdinQueue ?? []) stream.push(chunk);
      this.stdinQueue = null;
      if (this.stdinEnded) stream.push(null);
      if (this.stdinGone) stream.destroy();
      this.stdinStream = stream;
    }
    return this.stdinStream;
  }

  /** True once the stdin stream was asked for. */
  get stdinTaken(): boolean {
    return this.stdinStream !== null;
  }

  /** Nobody will read the body: what arrived and what arrives is dropped (stdin, if made, is drained). */
  discardStdin(): void {
    if (this.stdinStream !== null) {
      // Only a stream nobody reads: a handler may still be reading it after its response.
      if (this.stdinStream.readableFlowing === null) this.stdinStream.resume();
      return;
    }
    this.stdinQueue = null;
    this.stdinGone = true;
  }

  /** @internal a STDIN record's content (null: the terminator), borrowed: kept only as a copy */
  pushStdin(chunk: Buffer | null): void {
    if (chunk === null) this.stdinEnded = true;
    if (this.stdinStream !== null) {
      if (!this.stdinStream.destroyed && !this.stdinStream.readableEnded) this.stdinStream.push(chunk === null ? null : Buffer.from(chunk));
    } else if (chunk !== null && !this.stdinGone) {
      (this.stdinQueue ??= []).push(Buffer.from(chunk));
    }
  }

  /** @internal the request is over (ended or aborted): an unfinished body is dropped */
  destroyStdin(): void {
    if (this.stdinStream !== null) {
      if (!this.stdinStream.readableEnded) this.stdinStream.destroy();
    } else {
      this.stdinQueue = null;
      this.stdinGone = true;
    }
  }

  /** The FCGI_DATA stream; only filled for the filter role (made on first use: responders never need it). */
  get data(): Readable {
    if (this.dataStream === null) {
      this.dataStream = new Readable({ read: noop });
      if (this.aborted) this.dataStream.destroy();
    }
    return this.dataStream;
  }

  /** @internal the DATA stream if anyone made it */
  get dataIfMade(): Readable | null {
    return this.dataStream;
  }

  /** The web server's IP address, undefined over a unix socket. */
  get remoteAddress(): string | undefined {
    return this.conn.remoteAddress;
  }

  /** FCGI_KEEP_CONN: the web server keeps the connection open after this request. */
  get keepConn(): boolean {
    return (this.flags & FCGI_KEEP_CONN) !== 0;
  }

  /** Send response bytes on STDOUT. Returns false when the connection is already gone. */
  write(chunk: string | Uint8Array): boolean {
    return this.send(FCGI_STDOUT, chunk);
  }

  /** Send bytes on STDERR (the web server logs them). */
  writeStderr(chunk: string | Uint8Array): boolean {
    this.stderrUsed = true;
    return this.send(FCGI_STDERR, chunk);
  }

  /**
   * Close STDOUT (and STDERR if used) and send END_REQUEST with the application's exit status.
   * `last` is STDOUT data to send first: a small response goes out as one Buffer this way.
   */
  end(appStatus = 0, last?: string | Uint8Array): void {
    if (this.finished) throw errors.closed(`FastCGI request ${this.id}`);
    if (last !== undefined && (typeof last === 'string' ? last.length * 3 : last.byteLength) > FCGI_MAX_STREAM_CHUNK) {
      this.write(last);
      last = undefined;
    }
    this.finished = true;
    if (last !== undefined) this.bytesWritten += typeof last === 'string' ? Buffer.byteLength(last) : last.byteLength;
    this.conn.finishRequest(this, [encodeResponseEnd(this.id, last ?? '', this.stderrUsed, appStatus)]);
    this.emit('finish');
  }

  /**
   * Ends the request now, whatever its handler is still doing (request_terminate_timeout for one
   * request): the handler sees 'abort' and a cut body, the web server gets END_REQUEST after what
   * was written so far (nothing written: nginx answers 502, as when a php-fpm child is killed).
   */
  terminate(appStatus: number): void {
    if (this.finished) return;
    this.conn.abortRequest(this);
    this.end(appStatus);
  }

  private send(type: typeof FCGI_STDOUT | typeof FCGI_STDERR, chunk: string | Uint8Array): boolean {
    if (this.finished) throw errors.closed(`FastCGI request ${this.id}`);
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.byteLength === 0) return !this.conn.closed;
    if (type === FCGI_STDOUT) this.bytesWritten += data.byteLength;
    return this.conn.output(encodeStream(type, this.id, data));
  }
}

function noop(): void {
  // Data is pushed as records arrive; there is nothing to pull.
}

export class FastcgiServerConnection {
  closed = false;
  readonly remoteAddress: string | undefined;
  private readonly parser: RecordParser;
  private readonly requests = new Map<number, FastcgiServerRequest>();
  private readonly mpxsConns: boolean;
  private readonly maxConns: number;
  private readonly maxReqs: number;
  private readonly roles: ReadonlySet<number>;
  private readonly maxParamsLength: number;
  private readonly encoding: ParamsEncoding;
  private readonly peer: string;
  /** A request without FCGI_KEEP_CONN finished: close as soon as no request is active. */
  private closeWhenIdle = false;

  constructor(private readonly options: FastcgiServerConnectionOptions) {
    this.mpxsConns = options.mpxsConns ?? false;
    this.maxConns = options.maxConns ?? 1;
    this.maxReqs = options.maxReqs ?? 1;
    this.roles = new Set(options.roles ?? [FCGI_RESPONDER]);
    this.maxParamsLength = options.maxParamsLength ?? DEFAULT_MAX_PARAMS_LENGTH;
    this.encoding = options.paramsEncoding ?? 'utf8';
    this.peer = options.peer ?? 'peer';
    this.remoteAddress = options.remoteAddress;
    this.parser = new RecordParser({
      onRecord: (record) => this.onRecord(record),
      encoding: this.encoding,
      // Management records we understand are tiny; nobody needs 64 KiB GET_VALUES.
      maxContentLength: 16 * 1024,
    });
  }

  /** Active requests (begun and not yet ended). */
  get activeRequests(): number {
    return this.requests.size;
  }

  /**
   * Feed bytes from the peer. Never throws: malformed input closes the connection. The chunk is
   * only borrowed (the socket reads the next one into the same memory): what outlives the call,
   * body chunks and a pair cut between records, is copied.
   */
  execute(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * The peer shut down its side (shutdown(SHUT_WR), or a close we cannot tell from it): nothing
   * more arrives. A request whose params and body are complete is still answered, as php-fpm
   * answers a request it has read; one still missing bytes is aborted. The connection closes
   * once the last answer is written.
   */
  end(): void {
    if (this.closed) return;
    try {
      this.parser.finish();
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const request of [...this.requests.values()]) {
      if (request.started && request.stdinEnded && !request.aborted) continue;
      this.requests.delete(request.id);
      this.abortRequest(request);
    }
    this.closeWhenIdle = true;
    this.closeIfIdle();
  }

  /** The transport failed or was closed by the caller: abort whatever is in flight. */
  destroy(): void {
    if (!this.closed) this.shutdown(null);
  }

  /** @internal called by FastcgiServerRequest */
  output(chunks: Buffer[]): boolean {
    if (this.closed) return false;
    this.options.write(chunks);
    return true;
  }

  /** @internal called by FastcgiServerRequest.end */
  finishRequest(request: FastcgiServerRequest, chunks: Buffer[]): void {
    if (this.requests.get(request.id) === request) this.requests.delete(request.id);
    request.destroyStdin();
    if (!this.closed) {
      this.options.write(chunks);
      if (!request.keepConn) this.closeWhenIdle = true;
      this.closeIfIdle();
    }
    this.options.onFinish?.(request);
  }

  private closeIfIdle(): void {
    if (this.closeWhenIdle && this.requests.size === 0 && !this.closed) {
      this.closed = true;
      this.options.close(null);
    }
  }

  private fail(err: unknown): void {
    const error = isFastcgiError(err) ? err : errors.handler(describe(err));
    if (isFastcgiError(err)) {
      // Debug only: php-fpm closes a connection that breaks the protocol without a word, and a
      // line per connection would let any client flood the log.
      this.options.log.debug(`closing FastCGI connection from ${this.peer}: ${error.message} (${error.code})`);
    } else {
      this.options.log.error(`closing FastCGI connection from ${this.peer}: handler threw: ${describe(err)}`);
    }
    this.shutdown(error);
  }

  private shutdown(reason: FastcgiError | null): void {
    this.closed = true;
    const pending = [...this.requests.values()];
    this.requests.clear();
    for (const request of pending) this.abortRequest(request);
    this.options.close(reason);
  }

  /** @internal the request ends without its answer: its handler hears 'abort', its body is cut */
  abortRequest(request: FastcgiServerRequest): void {
    if (request.aborted) return;
    request.aborted = true;
    request.destroyStdin();
    const data = request.dataIfMade;
    if (data !== null && !data.readableEnded) data.destroy();
    if (request.started) request.emit('abort');
  }

  private onRecord(record: FastcgiRecord): void {
    if (record.requestId === FCGI_NULL_REQUEST_ID) {
      this.onManagement(record);
      return;
    }
    switch (record.kind) {
      case 'begin-request':
        this.onBegin(record.requestId, record.role, record.flags);
        return;
      case 'abort-request':
        this.onAbort(record.requestId);
        return;
      case 'stream':
        this.onStream(record.type, record.requestId, record.data);
        return;
      case 'stream-end':
        this.onStreamEnd(record.type, record.requestId);
        return;
      case 'unrecognized':
        this.options.log.debug(`ignoring FastCGI record of unknown type ${record.type} from ${this.peer}`);
        return;
      default:
        throw errors.protocol(`a web server does not send ${record.kind} records`);
    }
  }

  private onManagement(record: FastcgiRecord): void {
    if (record.kind === 'get-values') {
      const known = new Map<string, string>([
        [FCGI_MAX_CONNS, String(this.maxConns)],
        [FCGI_MAX_REQS, String(this.maxReqs)],
        [FCGI_MPXS_CONNS, this.mpxsConns ? '1' : '0'],
      ]);
      const answer: Array<[string, string]> = [];
      for (const name of record.names) {
        const value = known.get(name);
        if (value !== undefined) answer.push([name, value]);
      }
      this.options.write([encodeGetValuesResult(answer)]);
      return;
    }
    this.options.write([encodeUnknownType(record.type)]);
  }

  private onBegin(id: number, role: number, flags: number): void {
    if (this.requests.has(id)) throw errors.protocol(`BEGIN_REQUEST for request ${id}, which is already active`);
    let refusal = -1;
    if (!this.roles.has(role)) refusal = FCGI_UNKNOWN_ROLE;
    else if (!this.mpxsConns && this.requests.size > 0) refusal = FCGI_CANT_MPX_CONN;
    else if (this.requests.size >= this.maxReqs) refusal = FCGI_OVERLOADED;
    if (refusal !== -1) {
      this.options.write([encodeEndRequest(id, 0, refusal)]);
      if ((flags & FCGI_KEEP_CONN) === 0) {
        this.closeWhenIdle = true;
        this.closeIfIdle();
      }
      return;
    }
    this.requests.set(
      id,
      new FastcgiServerRequest(id, role, flags, this, this.maxParamsLength, this.encoding),
    );
  }

  private onAbort(id: number): void {
    const request = this.requests.get(id);
    if (request === undefined) return;
    if (!request.started) {
      // Nobody has seen this request yet: answer for the application (libfcgi does the same).
      this.requests.delete(id);
      request.aborted = true;
      request.finished = true;
      this.options.write([encodeEndRequest(id, 0, FCGI_REQUEST_COMPLETE)]);
      if (!request.keepConn) this.closeWhenIdle = true;
      this.closeIfIdle();
      return;
    }
    this.abortRequest(request);
  }

  private onStream(type: number, id: number, data: Buffer): void {
    const request = this.requests.get(id);
    // Records for requests that are not active are ignored (spec 3.3), e.g. STDIN after an abort.
    if (request === undefined) return;
    if (type === FCGI_PARAMS) {
      if (request.started) throw errors.protocol(`PARAMS for request ${id} after its PARAMS stream ended`);
      request.paramsDecoder.push(data);
    } else if (type === FCGI_STDIN) {
      request.pushStdin(data);
    } else if (type === FCGI_DATA) {
      if (request.role === FCGI_FILTER && !request.data.destroyed) request.data.push(Buffer.from(data));
    } else {
      throw errors.protocol(`a web server does not send stream type ${type}`);
    }
  }

  private onStreamEnd(type: number, id: number): void {
    const request = this.requests.get(id);
    if (request === undefined) return;
    if (type === FCGI_PARAMS) {
      if (request.started) throw errors.protocol(`second PARAMS terminator for request ${id}`);
      request.paramsDecoder.end();
      request.started = true;
      this.options.onRequest(request);
    } else if (type === FCGI_STDIN) {
      request.pushStdin(null);
    } else if (type === FCGI_DATA) {
      if (request.role === FCGI_FILTER && !request.data.destroyed) request.data.push(null);
    } else {
      throw errors.protocol(`a web server does not send stream type ${type}`);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
