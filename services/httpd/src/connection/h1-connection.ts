// HTTP/1.1 over one client socket (lighttpd 1.4.69 connections.c for HTTP/1 and h1.c): the
// connection's own states (reqstart, read: the head; close) around the request's state machine
// (core/state-machine.ts), which it runs on every event: input, output room, a module's I/O.
// Requests are answered one at a time, so pipelined responses leave in order. The request body is
// read as it arrives into the request's queue (paused past 64 KiB unless the handler consumes it or
// it goes to temp files); the response queue is written with Content-Length, chunked or
// close-delimited framing. Output goes through the fdevent Connection (traffic shaping); idle
// timeouts come from the fdevent trigger through onTimeout, never from a timer of our own.
import fs from 'node:fs';
import { IoPhase, type Connection, type ConnectionHandler, type TimeoutKind } from '@libs/fdevent';
import type { ModuleConfig } from '@libs/plugins';
import { ChunkQueue, FilePart, type Chunk } from '../core/chunk-queue';
import { coreConfig, type CoreConfig } from '../core/core-config';
import { defaultErrorPage } from '../core/error-page';
import { applyRequestTarget } from '../core/handle-request';
import { sameFile } from '../core/opened-file';
import type { WireResponse } from '../core/stat-cache';
import type { ConnectionView } from '../core/plugin';
import { HttpRequest, type Request } from '../core/request';
import type { RequestEnv } from '../core/request-env';
import { RequestState } from '../core/request-state';
import { internalError, runStateMachine, WriteResult, type ResponseSink } from '../core/state-machine';
import { SPILL_THRESHOLD, TempSpill } from '../core/temp-spill';
import { headerAt } from '../http/header-list';
import { ParseStatus, RequestParser, type RequestHead, type RequestParserOptions } from '../http/request-parser';
import { CONTINUE_100, LAST_CHUNK, serializeResponseHead, type BodyFraming } from '../http/response-head';
import { readClient } from './client-reads';

const { O_RDONLY, O_NOFOLLOW } = fs.constants;

/** Input kept while a request is being answered, before reading from the socket pauses. */
const MAX_PENDING_INPUT = 64 * 1024;
/** Request body held in memory before reading pauses (or, for a handler that wants it whole, temp files take over). */
const MAX_BODY_IN_MEMORY = SPILL_THRESHOLD;
/** Responses up to this size are copied into one buffer with their head: one write, one syscall. */
const SINGLE_WRITE_LIMIT = 64 * 1024;
/**
 * Files are read and written in pieces of this size: a client that stops reading holds at most one
 * piece in memory (plus what the kernel buffers), a fast one costs a read and a write per piece.
 */
export const FILE_CHUNK = 64 * 1024;

/** What a connection needs of the server that accepted it. */
export interface ConnectionOwner {
  readonly env: RequestEnv;
  /** The core's per-request directives, compiled (defaults and conditional patches). */
  readonly core: ModuleConfig;
  readonly globalConf: CoreConfig;
  readonly parserOptions: RequestParserOptions;
  /** A stop is under way: finish the request in progress, keep nothing alive. */
  readonly stopping: boolean;
  /** Wake the connection on the next loop turn (lighttpd joblist_append). */
  schedule(conn: Connection): void;
  connectionShutWr(c: H1Connection): void;
  connectionClosed(c: H1Connection): void;
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** The head of a request whose own head did not parse (lighttpd answers it as HTTP/1.0 unless the line said 1.1). */
function failedHead(httpVersion: 10 | 11): RequestHead {
  return {
    method: 'GET',
    uri: '',
    target: '',
    absoluteForm: false,
    scheme: '',
    httpVersion,
    headers: [],
    host: '',
    contentLength: 0,
    chunked: false,
    keepAlive: false,
    expectContinue: false,
  };
}

export class H1Connection implements ConnectionHandler, ResponseSink, ConnectionView {
  private readonly parser: RequestParser;
  private current: HttpRequest | null = null;
  /** The last request answered, while a kept-alive connection waits for the next (mod_status shows it). */
  private last: HttpRequest | null = null;
  private startTs: number;
  private readEnded = false;
  private closing = false;
  private input: Buffer[] = [];
  private inputBytes = 0;
  /** The request body is being read (its message is not complete yet, or the connection is a tunnel). */
  private inBody = false;
  /** Upgraded (101, CONNECT): the client's bytes are the request body as they come, never parsed again. */
  private tunnel = false;
  /** A request with a body waits to start until the input at hand is parsed. */
  private startPending = false;
  /** feed() is on the stack (a nested resume must not parse in between). */
  private feeding = false;
  private bodyBytes = 0;
  /** The response being written: its framing, whether the connection stays open, the open file. */
  private framing: BodyFraming = 'none';
  private outKeepAlive = false;
  private lastChunkSent = false;
  private fd = -1;
  private filePos = 0;
  private fileLeft = 0;
  private fileBusy = false;
  private waitingOutput = false;
  private spill: TempSpill | null = null;
  /** The peer's address, read once (a getpeername per request otherwise). */
  readonly remoteIp: string;

  constructor(
    readonly conn: Connection,
    private readonly owner: ConnectionOwner,
    /** the listening socket's config key, for $SERVER["socket"]. */
    readonly serverSocket: string,
  ) {
    this.parser = new RequestParser(owner.parserOptions);
    conn.handler = this;
    const socket = conn.socket;
    this.remoteIp = socket.remoteAddress ?? '';
    this.startTs = conn.connectionStart;
    socket.setNoDelay(true);
    readClient(socket, this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('drain', this.onWritable);
    socket.on('close', this.onClose);
    this.reqStart();
  }

  get requestCount(): number {
    return this.conn.requestCount;
  }

  get bytesWritten(): number {
    return this.conn.bytesWritten;
  }

  get request(): Request | null {
    return this.current ?? this.last;
  }

  get keepAlive(): boolean {
    return this.current === null && this.last !== null && !this.closing;
  }

  get state(): RequestState {
    if (this.closing) return RequestState.Close;
    return this.current?.state ?? RequestState.Read;
  }

  get requestStart(): number {
    return this.startTs;
  }

  /** Idle keep-alive (nothing in progress): safe to close for a graceful stop. */
  get idle(): boolean {
    return this.current === null && !this.parser.inMessage && !this.closing;
  }

  /** fdevent: an idle timeout passed (lighttpd connection_check_timeout). */
  onTimeout(_conn: Connection, kind: TimeoutKind): void {
    if (kind === 'read-idle' || kind === 'keep-alive-idle') this.close();
    else this.conn.socket.destroy();
  }

  /** fdevent joblist: something the request waited for happened. */
  onJob(): void {
    this.run();
  }

  /** fdevent (budget refilled) and socket 'drain': go on writing when nothing is queued any more. */
  readonly onWritable = (): void => {
    if (!this.waitingOutput) return;
    if (this.conn.pendingBytes > 0 || this.conn.socket.writableNeedDrain) return;
    this.waitingOutput = false;
    this.run();
  };

  /** Ends the connection: FIN once the output is written; destroyed when the peer closes (or by the linger timeout). */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.conn.setPhase(IoPhase.Linger);
    this.input = [];
    const socket = this.conn.socket;
    if (socket.isPaused()) socket.resume();
    if (this.readEnded) socket.once('finish', () => socket.destroy());
    this.conn.end();
  }

  /** REQUEST_START: count the request, then READ. */
  private reqStart(): void {
    this.conn.requestCount++;
    this.conn.setPhase(IoPhase.AwaitRequest);
  }

  private run(): void {
    const r = this.current;
    if (r === null || this.closing) return;
    runStateMachine(r, this);
    if (this.inBody && this.current === r && !this.feeding) this.resumeBody();
  }

  private readonly sendContinue = (): void => {
    if (this.bodyBytes === 0 && this.parser.bufferedBytes === 0) this.conn.write(CONTINUE_100);
  };

  /** `chunk` is borrowed (client-reads.ts): what is kept of it beyond this call is copied. */
  private readonly onData = (chunk: Buffer): void => {
    this.conn.markRead();
    if (this.closing) return;
    if (this.tunnel) {
      this.tunnelIn(this.current as HttpRequest, Buffer.from(chunk));
      return;
    }
    if (this.current !== null && !this.inBody) {
      // a pipelined request: kept until the current response is done
      this.input.push(Buffer.from(chunk));
      this.inputBytes += chunk.length;
      if (this.inputBytes > MAX_PENDING_INPUT) this.conn.socket.pause();
      return;
    }
    this.feed(chunk);
    // an unfinished head or the start of the next request stays with the parser
    this.parser.ownInput();
  };

  private readonly onEnd = (): void => {
    this.readEnded = true;
    if (this.closing) {
      this.conn.socket.destroy();
      return;
    }
    if (this.tunnel) {
      // the client ended its side of the tunnel: the request body is complete, the answer goes on
      // (lighttpd's reqbody_length = bytes_in on RDHUP; the backend is not told, as without tcp-fin-propagate)
      const r = this.current as HttpRequest;
      r.reqBody.end();
      this.bodyInput(r);
      return;
    }
    if (this.inBody) {
      // the body will never be complete: the request cannot go on
      this.conn.socket.destroy();
      return;
    }
    if (this.current === null && this.input.length === 0) this.close();
  };

  private readonly onError = (): void => {
    this.conn.socket.destroy();
  };

  private readonly onClose = (): void => {
    const r = this.current;
    this.closing = true;
    this.conn.setPhase(IoPhase.Linger);
    this.closeFile();
    if (r !== null) {
      // the client went away mid-request: request_done (a status was set), request_reset
      this.current = null;
      if (r.status !== 0) r.env.callRequest('handleRequestDone', r);
      this.owner.connectionShutWr(this);
      r.env.callRequest('handleRequestReset', r);
    }
    this.spill?.release();
    this.owner.connectionClosed(this);
  };

  /** Parses input: a head (starting a request), then its body into the request's queue. */
  private feed(chunk: Buffer | undefined): void {
    this.feeding = true;
    try {
      this.parse(chunk);
    } finally {
      this.feeding = false;
    }
    // a request with a body starts once the input at hand is parsed (a small body is then complete)
    if (this.startPending) {
      this.startPending = false;
      this.run();
    }
  }

  private parse(chunk: Buffer | undefined): void {
    const parser = this.parser;
    let input = chunk;
    for (;;) {
      const r = this.current;
      if (r !== null && this.inBody && this.bodyFull(r)) {
        // the handler has not taken what is queued: read no further until it does
        if (input !== undefined) this.input.unshift(Buffer.from(input));
        this.conn.socket.pause();
        return;
      }
      const st = parser.execute(input);
      input = undefined;
      switch (st) {
        case ParseStatus.NeedMore:
          if (this.readEnded && this.current === null) this.close();
          return;
        case ParseStatus.HeadComplete:
          if (!this.onHead(parser.request as RequestHead)) return;
          if (this.inBody) this.startPending = true;
          break;
        case ParseStatus.BodyChunk:
          if (!this.onBody(r as HttpRequest, parser.bodyChunk)) return;
          break;
        case ParseStatus.MessageComplete: {
          const req = r as HttpRequest;
          if (req.tunnel) {
            // the body the request announced is in; the tunnel's bytes follow in the same queue
            this.enterTunnel(req);
            return;
          }
          const hadBody = this.inBody;
          this.inBody = false;
          req.reqBody.end();
          if (hadBody) {
            if (!this.startPending) this.owner.schedule(this.conn);
            return;
          }
          this.feeding = false;
          this.run();
          return;
        }
        default:
          this.fail(parser.error?.status ?? 400, parser.responseVersion);
          return;
      }
    }
  }

  /** Body in memory past the mark, and nobody is draining it to disk. */
  private bodyFull(r: HttpRequest): boolean {
    if (r.reqBody.memoryBytes < MAX_BODY_IN_MEMORY) return false;
    if (r.bodyWanted && r.conf['server.stream-request-body'] === 0) return false;
    return true;
  }

  /** REQUEST_END: the head is complete; the request's config is chosen. false when the request is refused. */
  private onHead(head: RequestHead): boolean {
    this.conn.setPhase(IoPhase.Busy);
    const owner = this.owner;
    const r = new HttpRequest(owner.env, head, owner.globalConf, this.remoteIp, this.serverSocket, 'http');
    const socket = this.conn.socket;
    r.remotePort = socket.remotePort ?? 0;
    r.localAddress = socket.localAddress ?? '';
    r.localPort = socket.localPort ?? 0;
    if (applyRequestTarget(r, head.uri) && owner.core.patchCount !== 0) r.conf = coreConfig(r.config(owner.core));
    r.state = RequestState.RequestEnd;
    this.current = r;
    this.last = null;
    this.startTs = owner.env.now;
    this.bodyBytes = 0;
    const limit = r.conf['server.max-request-size'] * 1024;
    if (limit > 0 && head.contentLength > limit) {
      this.fail(413, head.httpVersion);
      return false;
    }
    if (head.contentLength === 0) {
      this.conn.setPhase(IoPhase.Busy);
      return true;
    }
    r.reqBody = new ChunkQueue();
    this.inBody = true;
    // lighttpd sends "100 Continue" when a handler starts reading the body (connection_handle_read_post_state)
    if (head.expectContinue) r.onBodyWanted = this.sendContinue;
    this.conn.setPhase(IoPhase.ReadBody);
    return true;
  }

  /** READ_POST: body bytes into the request's queue (to temp files for a handler that wants it whole). */
  private onBody(r: HttpRequest, data: Buffer): boolean {
    this.bodyBytes += data.length;
    const limit = r.conf['server.max-request-size'] * 1024;
    if (limit > 0 && this.bodyBytes > limit) {
      if (r.state < RequestState.Write) this.fail(413, r.head.httpVersion);
      else this.conn.socket.destroy();
      return false;
    }
    r.reqBody.append(Buffer.from(data));
    if (r.bodyWanted && r.conf['server.stream-request-body'] === 0) {
      try {
        this.spillFor(r).spill(r.reqBody);
      } catch (e) {
        r.env.log.error((e as Error).message);
        this.fail(500, r.head.httpVersion);
        return false;
      }
    }
    if (r.bodyWanted && !this.startPending) this.bodyInput(r);
    return true;
  }

  /**
   * Body input is an event for the handler, as every event on the connection is in lighttpd: it runs
   * again even while it waits for I/O of its own (a streaming handler that waits on its backend
   * must still pass the client's bytes on).
   */
  private bodyInput(r: HttpRequest): void {
    r.pending = null;
    this.owner.schedule(this.conn);
  }

  /** The request upgraded and its message is complete: what the client sent after it, and all it sends from now, is the request body. */
  private enterTunnel(r: HttpRequest): void {
    this.tunnel = true;
    this.inBody = true;
    const rest = Buffer.from(this.parser.takeBuffered());
    const input = this.input;
    this.input = [];
    this.inputBytes = 0;
    if (rest.length > 0) r.reqBody.append(rest);
    for (const b of input) r.reqBody.append(b);
    if (this.readEnded) r.reqBody.end();
    if (!r.reqBody.isEmpty || r.reqBody.finished) this.bodyInput(r);
    this.resumeBody();
  }

  /** Tunnel bytes from the client, with server.max-request-size over all of them as lighttpd counts it. */
  private tunnelIn(r: HttpRequest, data: Buffer): void {
    this.bodyBytes += data.length;
    const limit = r.conf['server.max-request-size'] * 1024;
    if (limit > 0 && this.bodyBytes > limit) {
      this.conn.socket.destroy();
      return;
    }
    r.reqBody.append(data);
    if (this.bodyFull(r)) this.conn.socket.pause();
    this.bodyInput(r);
  }

  spillFor(_r: HttpRequest): TempSpill {
    this.spill ??= new TempSpill(this.owner.env.uploadDirs, this.owner.env.uploadTempFileSize);
    return this.spill;
  }

  waitFor(r: HttpRequest, io: Promise<unknown>): void {
    io.then(
      () => {
        if (this.current !== r || r.pending !== io) return;
        r.pending = null;
        this.run();
      },
      (err: unknown) => {
        if (this.current !== r || r.pending !== io) return;
        // the I/O a module waited for failed: 500 before the head, else the request ends in error
        internalError(r, err);
        this.run();
      },
    );
  }

  /**
   * error: a malformed or refused request (400, 413, 414, 431, 501, ...) is answered with lighttpd's
   * error page through the request's own RESPONSE_START .. RESPONSE_END (so response_start,
   * request_done and request_reset run for it too), and the connection closes.
   */
  private fail(status: number, httpVersion: 10 | 11): void {
    this.conn.setPhase(IoPhase.Busy);
    this.inBody = false;
    this.startPending = false;
    const owner = this.owner;
    const r = this.current ?? new HttpRequest(owner.env, failedHead(httpVersion), owner.globalConf, this.remoteIp, this.serverSocket, 'http');
    this.current = r;
    r.pending = null;
    r.resetResponse();
    r.status = status;
    r.forceClose = true;
    r.reqBody.end();
    r.responseHeaders.push('Content-Type', 'text/html');
    r.appendBody(defaultErrorPage(status));
    r.respBody.end();
    r.state = RequestState.ResponseStart;
    this.feeding = false;
    this.run();
  }

  /** RESPONSE_START: the head, with its framing; small bodies go in the same write. */
  startResponse(r: HttpRequest): void {
    const conf = r.conf;
    const head = r.head;
    const unreadBody = !r.reqBody.finished && !r.bodyWanted;
    // lighttpd (http_response_write_header): keep-alive ends once the count goes above the limit, or with no idle time
    const keepAlive =
      head.keepAlive &&
      !r.forceClose &&
      !unreadBody &&
      !this.owner.stopping &&
      this.conn.requestCount <= conf['server.max-keep-alive-requests'] &&
      conf['server.max-keep-alive-idle'] !== 0;
    const limits = this.conn.limits;
    limits.maxKeepAliveIdle = conf['server.max-keep-alive-idle'];
    limits.maxReadIdle = conf['server.max-read-idle'];
    limits.maxWriteIdle = conf['server.max-write-idle'];
    limits.kbytesPerSecond = conf['connection.kbytes-per-second'];
    this.conn.setPhase(IoPhase.Write);
    this.lastChunkSent = false;
    const body = r.respBody;
    if (r.wireKey !== null && body.finished && this.writeCached(r, keepAlive)) return;
    // lighttpd http_response_write_prepare: a finished answer's length is sent, but not for HEAD
    // when it is empty (a backend sends HEAD no body: the GET's length is unknown) or the backend's
    // own Content-Length is there (passed on for HEAD only, gateway/response-head.ts)
    const headWithoutLength = head.method === 'HEAD' && body.finished && !r.tunnel && (body.length === 0 || headerAt(r.responseHeaders, 'content-length') !== -1);
    const rh = serializeResponseHead({
      status: r.status,
      httpVersion: head.httpVersion,
      headers: r.responseHeaders,
      ...(body.finished && !r.tunnel && !headWithoutLength ? { contentLength: body.length } : {}),
      bodiless: headWithoutLength,
      keepAlive,
      serverTag: conf['server.tag'],
      date: r.env.httpDate,
      tunnel: r.tunnel,
    });
    this.framing = head.method === 'HEAD' && !r.tunnel ? 'none' : rh.framing;
    this.outKeepAlive = rh.keepAlive;
    if (r.tunnel && !this.inBody) this.enterTunnel(r);
    if (this.framing === 'none') {
      // HEAD and bodiless statuses: the body is produced (for its length) but not sent
      body.takeAll();
      this.conn.write(rh.head);
      return;
    }
    if (this.framing !== 'length') {
      this.conn.write(rh.head);
      return;
    }
    const parts: Chunk[] = [];
    for (const c of body) {
      if (c instanceof FilePart || parts.length > 8) break;
      parts.push(c);
    }
    const n = this.writeHead(rh.head, parts, parts.length);
    for (let i = 0; i < n; i++) body.shift();
  }

  /**
   * A response whose headers depend only on the stat entry, the config objects and the keep-alive
   * and version variant is serialized once a second (the Date changes) and the same bytes are
   * written for every request: no head building, no copy. false when it does not apply.
   */
  private writeCached(r: HttpRequest, keepAlive: boolean): boolean {
    const entry = r.fileStat;
    const body = r.respBody.peek();
    if (entry === null || r.respBody.length !== body?.length || !(body instanceof Buffer) || r.head.method === 'HEAD') return false;
    const second = r.env.now;
    const variant = (keepAlive ? 1 : 0) | (r.head.httpVersion === 11 ? 2 : 0);
    let w: WireResponse | null = entry.wire;
    if (w === null || w.second !== second || w.status !== r.status || w.variant !== variant || w.conf !== r.conf || w.key !== r.wireKey || w.body !== body) {
      const rh = serializeResponseHead({
        status: r.status,
        httpVersion: r.head.httpVersion,
        headers: r.responseHeaders,
        contentLength: body.length,
        keepAlive,
        serverTag: r.conf['server.tag'],
        date: r.env.httpDate,
      });
      if (rh.framing !== 'length' || rh.keepAlive !== keepAlive) return false;
      const bytes = Buffer.allocUnsafeSlow(rh.head.length + body.length);
      body.copy(bytes, bytes.write(rh.head, 0, 'latin1'));
      w = { second, status: r.status, variant, conf: r.conf, key: r.wireKey as object, body, bytes };
      entry.wire = w;
    }
    this.framing = 'length';
    this.outKeepAlive = keepAlive;
    r.respBody.shift();
    this.conn.write(w.bytes);
    return true;
  }

  /** Writes the head with up to `count` leading in-memory parts (one buffer when small); returns how many parts went. */
  private writeHead(head: string, parts: readonly Chunk[], count: number): number {
    let n = 0;
    let total = head.length;
    while (n < count) {
      const p = parts[n] as Chunk;
      if (p instanceof FilePart || total + p.length > SINGLE_WRITE_LIMIT) break;
      total += p.length;
      n++;
    }
    const out = Buffer.allocUnsafe(total);
    let off = out.write(head, 0, 'latin1');
    for (let i = 0; i < n; i++) off += (parts[i] as Buffer).copy(out, off);
    this.conn.write(out);
    return n;
  }

  /** WRITE: what the response queue holds, with back-pressure from the socket and the traffic budget. */
  write(r: HttpRequest): WriteResult {
    const conn = this.conn;
    const socket = conn.socket;
    const body = r.respBody;
    for (;;) {
      if (socket.destroyed) return WriteResult.Blocked;
      if (this.fileBusy) return WriteResult.Blocked;
      if (conn.pendingBytes > 0 || socket.writableNeedDrain) {
        this.waitingOutput = true;
        // a tunnel times out as lighttpd's: max-write-idle while its output waits, else max-read-idle
        if (this.tunnel) conn.setPhase(IoPhase.Write);
        return WriteResult.Blocked;
      }
      if (this.fd !== -1) {
        this.readFile(r);
        return WriteResult.Blocked;
      }
      const c = body.peek();
      if (c === undefined) {
        if (!body.finished) {
          if (this.tunnel) conn.setPhase(IoPhase.ReadBody);
          return WriteResult.Idle;
        }
        if (this.framing === 'chunked' && !this.lastChunkSent) {
          this.lastChunkSent = true;
          conn.write(LAST_CHUNK);
          continue;
        }
        return WriteResult.Done;
      }
      if (c instanceof FilePart) {
        this.openFile(r, c);
        return WriteResult.Blocked;
      }
      body.shift();
      this.send(c);
    }
  }

  /** One piece of body on the wire, framed. */
  private send(data: Buffer): void {
    if (this.framing === 'chunked') {
      this.conn.write(Buffer.from(data.length.toString(16) + '\r\n', 'latin1'));
      this.conn.write(data);
      this.conn.write(CRLF);
      return;
    }
    this.conn.write(data);
  }

  private openFile(r: HttpRequest, part: FilePart): void {
    this.fileBusy = true;
    fs.open(part.path, part.guard === null ? O_RDONLY : O_RDONLY | O_NOFOLLOW, (err, fd) => {
      if (err !== null || this.current !== r || this.conn.socket.destroyed) {
        this.fileBusy = false;
        if (err === null) fs.close(fd, () => undefined);
        this.conn.socket.destroy();
        return;
      }
      if (part.guard === null) {
        this.startFile(r, fd, part);
        return;
      }
      // follow-symlink disabled: only the very file that was checked (the path may have changed since)
      const guard = part.guard;
      fs.fstat(fd, (statErr, st) => {
        if (statErr !== null || !sameFile(guard, st) || this.conn.socket.destroyed) {
          this.fileBusy = false;
          fs.close(fd, () => undefined);
          this.conn.socket.destroy();
          return;
        }
        this.startFile(r, fd, part);
      });
    });
  }

  private startFile(r: HttpRequest, fd: number, part: FilePart): void {
    r.respBody.shift();
    this.fd = fd;
    this.filePos = part.start;
    this.fileLeft = part.length;
    this.fileBusy = false;
    this.run();
  }

  private readFile(r: HttpRequest): void {
    this.fileBusy = true;
    const buf = Buffer.allocUnsafe(this.fileLeft < FILE_CHUNK ? this.fileLeft : FILE_CHUNK);
    fs.read(this.fd, buf, 0, buf.length, this.filePos, (err, bytesRead) => {
      this.fileBusy = false;
      if (this.fd === -1 || this.current !== r) return;
      if (err !== null || bytesRead === 0) {
        // the file shrank while being sent: the promised length cannot be kept
        this.closeFile();
        this.conn.socket.destroy();
        return;
      }
      this.filePos += bytesRead;
      this.fileLeft -= bytesRead;
      if (this.fileLeft === 0) this.closeFile();
      this.send(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      this.run();
    });
  }

  private closeFile(): void {
    if (this.fd === -1) return;
    fs.close(this.fd, () => undefined);
    this.fd = -1;
  }

  /**
   * RESPONSE_END (lighttpd connection_handle_response_end_state): request_done has run; keep-alive
   * resets the request and reads the next one, else shut_wr, request_reset and close.
   */
  endResponse(r: HttpRequest): void {
    this.conn.setPhase(IoPhase.Busy);
    this.closeFile();
    this.spill?.release();
    this.spill = null;
    const keepAlive = this.outKeepAlive && r.state !== RequestState.Error && r.reqBody.finished;
    this.current = null;
    if (!keepAlive) {
      this.owner.connectionShutWr(this);
      r.env.callRequest('handleRequestReset', r);
      this.close();
      return;
    }
    r.env.callRequest('handleRequestReset', r);
    this.last = r;
    this.reqStart();
    this.nextRequest();
  }

  private nextRequest(): void {
    if (this.owner.stopping && !this.parser.inMessage && this.parser.bufferedBytes === 0 && this.input.length === 0) {
      this.close();
      return;
    }
    const input = this.input;
    let chunk: Buffer | undefined;
    if (input.length > 0) {
      chunk = input.length === 1 ? input[0] : Buffer.concat(input);
      this.input = [];
      this.inputBytes = 0;
    }
    if (this.conn.socket.isPaused()) this.conn.socket.resume();
    if (chunk !== undefined || this.parser.bufferedBytes > 0) {
      this.feed(chunk);
      return;
    }
    if (this.readEnded) this.close();
  }

  /** The handler took body from the queue: read on (lighttpd re-enables POLLIN). */
  resumeBody(): void {
    const r = this.current;
    if (r === null || !this.inBody || this.bodyFull(r)) return;
    if (this.tunnel) {
      if (this.conn.socket.isPaused() && !this.readEnded) this.conn.socket.resume();
      return;
    }
    const input = this.input;
    this.input = [];
    this.inputBytes = 0;
    if (this.conn.socket.isPaused()) this.conn.socket.resume();
    this.feed(input.length === 0 ? undefined : input.length === 1 ? input[0] : Buffer.concat(input));
  }
}
