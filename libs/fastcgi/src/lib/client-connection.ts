// Web-server side of one FastCGI connection, without sockets (the role of lighttpd's
// mod_fastcgi.c / gw_backend.c): encodes requests, decodes STDOUT/STDERR/END_REQUEST per request id.
import type { ServiceLog } from '@libs/log';
import {
  FCGI_KEEP_CONN,
  FCGI_NULL_REQUEST_ID,
  FCGI_RESPONDER,
  FCGI_STDERR,
  FCGI_STDIN,
  FCGI_STDOUT,
} from './constants';
import { errors, type FastcgiError, isFastcgiError } from './errors';
import type { NameValueInput, ParamsEncoding } from './name-value';
import {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeGetValues,
  encodeParams,
  encodeStream,
  encodeStreamEnd,
} from './record-encoder';
import { RecordParser, type FastcgiRecord } from './record-parser';

export interface EncodeRequestOptions {
  params: NameValueInput;
  /** Default FCGI_RESPONDER. */
  role?: number;
  /** Set FCGI_KEEP_CONN so the application leaves the connection open (default true). */
  keepConn?: boolean;
  /** The whole request body: sent as STDIN records followed by the empty STDIN record. */
  stdin?: string | Uint8Array;
  paramsEncoding?: ParamsEncoding;
}

/** BEGIN_REQUEST, PARAMS (ended, in `paramsEncoding`) and, when stdin is given, STDIN (ended), as one writev array. */
export function encodeRequest(requestId: number, options: EncodeRequestOptions, paramsEncoding = options.paramsEncoding): Buffer[] {
  const flags = options.keepConn === false ? 0 : FCGI_KEEP_CONN;
  const out = [encodeBeginRequest(requestId, options.role ?? FCGI_RESPONDER, flags)];
  for (const b of encodeParams(requestId, options.params, paramsEncoding)) out.push(b);
  if (options.stdin !== undefined) {
    const body = typeof options.stdin === 'string' ? Buffer.from(options.stdin) : options.stdin;
    for (const b of encodeStream(FCGI_STDIN, requestId, body)) out.push(b);
    out.push(encodeStreamEnd(FCGI_STDIN, requestId));
  }
  return out;
}

export interface FastcgiClientRequestOptions extends EncodeRequestOptions {
  onStdout(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
  /** END_REQUEST arrived: appStatus is the application's exit status. */
  onEnd(appStatus: number, protocolStatus: number): void;
  /** The connection failed before END_REQUEST. */
  onError(err: FastcgiError): void;
}

export class FastcgiClientRequest {
  finished = false;
  stdinEnded: boolean;

  constructor(
    readonly id: number,
    /** @internal */ readonly options: FastcgiClientRequestOptions,
    private readonly client: FastcgiClient,
  ) {
    this.stdinEnded = options.stdin !== undefined;
  }

  /** Stream a piece of the request body (when stdin was not given up front). */
  writeStdin(chunk: string | Uint8Array): void {
    if (this.stdinEnded) throw errors.closed(`stdin of FastCGI request ${this.id}`);
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.byteLength > 0) this.client.output(encodeStream(FCGI_STDIN, this.id, data));
  }

  endStdin(): void {
    if (this.stdinEnded) throw errors.closed(`stdin of FastCGI request ${this.id}`);
    this.stdinEnded = true;
    this.client.output([encodeStreamEnd(FCGI_STDIN, this.id)]);
  }

  /** Send ABORT_REQUEST; the application still answers with END_REQUEST. */
  abort(): void {
    if (!this.finished) this.client.output([encodeAbortRequest(this.id)]);
  }
}

export interface FastcgiClientOptions {
  log: ServiceLog;
  /** Bytes for the application, in order (an array meant for writev). */
  write(chunks: Buffer[]): void;
  /** The transport must close: the application broke the protocol or hung up. */
  close(reason: FastcgiError | null): void;
  /** GET_VALUES_RESULT from the application. */
  onValues?(values: Map<string, string>): void;
  paramsEncoding?: ParamsEncoding;
  /** Names the application in log lines. */
  peer?: string;
}

export class FastcgiClient {
  closed = false;
  private readonly parser: RecordParser;
  private readonly requests = new Map<number, FastcgiClientRequest>();
  private readonly peer: string;

  constructor(private readonly options: FastcgiClientOptions) {
    this.peer = options.peer ?? 'application';
    this.parser = new RecordParser({
      onRecord: (record) => this.onRecord(record),
      encoding: options.paramsEncoding ?? 'utf8',
    });
  }

  get activeRequests(): number {
    return this.requests.size;
  }

  /** Start a request on the lowest free request id. */
  request(options: FastcgiClientRequestOptions): FastcgiClientRequest {
    if (this.closed) throw errors.closed('FastCGI connection');
    let id = 1;
    while (this.requests.has(id)) id++;
    const request = new FastcgiClientRequest(id, options, this);
    this.requests.set(id, request);
    this.options.write(encodeRequest(id, options, options.paramsEncoding ?? this.options.paramsEncoding));
    return request;
  }

  /** Ask the application for FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS (answer: onValues). */
  getValues(names: Iterable<string>): void {
    if (this.closed) throw errors.closed('FastCGI connection');
    this.options.write([encodeGetValues(names)]);
  }

  /** Feed bytes from the application. Never throws: malformed input closes the connection. */
  execute(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  /** The application closed its side. */
  end(): void {
    if (this.closed) return;
    try {
      this.parser.finish();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.shutdown(this.requests.size > 0 ? errors.closed('FastCGI connection') : null);
  }

  /** The transport failed or the caller gave up: fail whatever is in flight. */
  destroy(reason: FastcgiError = errors.closed('FastCGI connection')): void {
    if (!this.closed) this.shutdown(reason);
  }

  /** @internal */
  output(chunks: Buffer[]): void {
    if (this.closed) throw errors.closed('FastCGI connection');
    this.options.write(chunks);
  }

  private fail(err: unknown): void {
    if (isFastcgiError(err)) {
      this.options.log.warn(`closing FastCGI connection to ${this.peer}: ${err.message} (${err.code})`);
      this.shutdown(err);
    } else {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.options.log.error(`closing FastCGI connection to ${this.peer}: response callback threw: ${message}`);
      this.shutdown(errors.handler(message));
    }
  }

  private shutdown(reason: FastcgiError | null): void {
    this.closed = true;
    const pending = [...this.requests.values()];
    this.requests.clear();
    for (const request of pending) {
      request.finished = true;
      request.options.onError(reason ?? errors.closed('FastCGI connection'));
    }
    this.options.close(reason);
  }

  private onRecord(record: FastcgiRecord): void {
    switch (record.kind) {
      case 'stream': {
        const request = this.requests.get(record.requestId);
        if (request === undefined) return;
        if (record.type === FCGI_STDOUT) request.options.onStdout(record.data);
        else if (record.type === FCGI_STDERR) request.options.onStderr?.(record.data);
        else throw errors.protocol(`an application does not send stream type ${record.type}`);
        return;
      }
      case 'stream-end':
        if (record.type !== FCGI_STDOUT && record.type !== FCGI_STDERR) {
          throw errors.protocol(`an application does not send stream type ${record.type}`);
        }
        return;
      case 'end-request': {
        const request = this.requests.get(record.requestId);
        if (request === undefined) return;
        this.requests.delete(record.requestId);
        request.finished = true;
        request.options.onEnd(record.appStatus, record.protocolStatus);
        return;
      }
      case 'get-values-result':
        this.options.onValues?.(record.values);
        return;
      case 'unknown-type':
        this.options.log.debug(`${this.peer} does not know FastCGI record type ${record.unknownType}`);
        return;
      case 'unrecognized':
        if (record.requestId === FCGI_NULL_REQUEST_ID) {
          this.options.log.debug(`ignoring management record of type ${record.type} from ${this.peer}`);
          return;
        }
        throw errors.protocol(`record of unknown type ${record.type} for request ${record.requestId}`);
      default:
        throw errors.protocol(`an application does not send ${record.kind} records`);
    }
  }
}
