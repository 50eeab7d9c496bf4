// The HTTP/1.1 connection state machine of lighttpd 1.4.69 src/connections.c over an @libs/fdevent
// Connection: connect → reqstart → read → reqend → readpost → handlereq → respstart → write →
// respend → (reqstart on keep-alive | close), error for malformed input. Requests are handled one at
// a time, so pipelined responses leave in order; input arriving meanwhile is kept (and the socket
// paused past a limit). Output goes through Connection.write (traffic shaping); idle timeouts come
// from the fdevent trigger through onTimeout, never from a timer of our own.
import fs from 'node:fs';
import { ConnectionState, type Connection, type ConnectionHandler, type TimeoutKind } from '@libs/fdevent';
import { ParseStatus, RequestParser, type RequestHead } from '../http/request-parser';
import { CONTINUE_100, serializeResponseHead } from '../http/response-head';
import type { HttpServer } from '../server/http-server';
import { coreConfig } from '../server/core-config';
import { sameFile } from '../modules/opened-file';
import { defaultErrorPage } from './error-page';
import { FilePart, Request, type BodyPart } from './request';
import { applyRequestTarget, runRequest } from './response';

const { O_RDONLY, O_NOFOLLOW } = fs.constants;

/** Input kept while a request is being answered, before reading from the socket pauses. */
const MAX_PENDING_INPUT = 64 * 1024;
/** Responses up to this size are copied into one buffer with their head: one write, one syscall. */
const SINGLE_WRITE_LIMIT = 64 * 1024;
/** Large files are read and written in chunks of this size (one read, one write for a 1 MiB file). */
const FILE_CHUNK = 1024 * 1024;

export class HttpConnection implements ConnectionHandler {
  private readonly parser: RequestParser;
  private current: Request | null = null;
  private busy = false;
  private readEnded = false;
  private closing = false;
  private input: Buffer[] = [];
  private inputBytes = 0;
  private bodyBytes = 0;
  /** Output in progress: the body parts left, the open file and where in it. */
  private outParts: readonly BodyPart[] | null = null;
  private outIndex = 0;
  private outKeepAlive = false;
  private fd = -1;
  private filePos = 0;
  private fileLeft = 0;
  private waitingOutput = false;
  /** The peer's address, read once (a getpeername per request otherwise). */
  private readonly remoteIp: string;

  constructor(
    readonly conn: Connection,
    private readonly server: HttpServer,
    /** the listening socket's config key, for $SERVER["socket"]. */
    readonly serverSocket: string,
  ) {
    this.parser = new RequestParser(server.parserOptions);
    conn.handler = this;
    const socket = conn.socket;
    this.remoteIp = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('drain', this.onWritable);
    socket.on('close', this.onClose);
    this.reqStart();
  }

  get state(): ConnectionState {
    return this.conn.state;
  }

  get requestCount(): number {
    return this.conn.requestCount;
  }

  /** Idle keep-alive (nothing in progress): safe to close for a graceful stop. */
  get idle(): boolean {
    return !this.busy && !this.parser.inMessage && !this.closing;
  }

  /** fdevent: an idle timeout passed (lighttpd connection_check_timeout). */
  onTimeout(_conn: Connection, kind: TimeoutKind): void {
    if (kind === 'read-idle' || kind === 'keep-alive-idle') this.close();
    else this.conn.socket.destroy();
  }

  /** fdevent (budget refilled) and socket 'drain': go on writing when nothing is queued any more. */
  readonly onWritable = (): void => {
    if (!this.waitingOutput) return;
    if (this.conn.pendingBytes > 0 || this.conn.socket.writableNeedDrain) return;
    this.waitingOutput = false;
    this.writeNext();
  };

  /** Ends the connection: FIN once the output is written; destroyed when the peer closes (or by the linger timeout). */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.conn.setState(ConnectionState.Close);
    this.input = [];
    const socket = this.conn.socket;
    if (socket.isPaused()) socket.resume();
    if (this.readEnded) socket.once('finish', () => socket.destroy());
    this.conn.end();
  }

  private reqStart(): void {
    this.conn.setState(ConnectionState.ReqStart);
    this.conn.requestCount++;
    this.conn.setState(ConnectionState.Read);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.conn.markRead();
    if (this.closing) return;
    if (this.busy) {
      this.input.push(chunk);
      this.inputBytes += chunk.length;
      if (this.inputBytes > MAX_PENDING_INPUT) this.conn.socket.pause();
      return;
    }
    this.feed(chunk);
  };

  private readonly onEnd = (): void => {
    this.readEnded = true;
    if (this.closing) {
      this.conn.socket.destroy();
      return;
    }
    if (!this.busy && this.input.length === 0) this.close();
  };

  private readonly onError = (): void => {
    this.conn.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.closing = true;
    this.conn.setState(ConnectionState.Close);
    if (this.fd !== -1) {
      fs.close(this.fd, () => undefined);
      this.fd = -1;
    }
    this.server.connectionClosed(this);
  };

  private feed(chunk: Buffer | undefined): void {
    const parser = this.parser;
    let input = chunk;
    for (;;) {
      const st = parser.execute(input);
      input = undefined;
      switch (st) {
        case ParseStatus.NeedMore:
          if (this.readEnded) this.close();
          return;
        case ParseStatus.HeadComplete:
          if (!this.onHead(parser.request as RequestHead)) return;
          break;
        case ParseStatus.BodyChunk: {
          // static content does not consume request bodies: read and dropped
          this.bodyBytes += parser.bodyChunk.length;
          const req = this.current as Request;
          const limit = req.conf['server.max-request-size'] * 1024;
          if (limit > 0 && this.bodyBytes > limit) {
            this.fail(413, req.head.httpVersion);
            return;
          }
          break;
        }
        case ParseStatus.MessageComplete: {
          this.busy = true;
          this.conn.setState(ConnectionState.HandleReq);
          this.run(this.current as Request);
          return;
        }
        default:
          this.conn.setState(ConnectionState.Error);
          this.fail(parser.error?.status ?? 400, parser.responseVersion);
          return;
      }
    }
  }

  /** reqend: the head is complete; the request's config is chosen. false when the request is refused. */
  private onHead(head: RequestHead): boolean {
    this.conn.setState(ConnectionState.ReqEnd);
    const srv = this.server;
    const req = new Request(srv, head, srv.globalConf, this.remoteIp, this.serverSocket, 'http');
    if (applyRequestTarget(req, head.uri) && srv.core.patchCount !== 0) req.conf = coreConfig(req.config(srv.core));
    this.current = req;
    this.bodyBytes = 0;
    const limit = req.conf['server.max-request-size'] * 1024;
    if (limit > 0 && head.contentLength > limit) {
      this.fail(413, head.httpVersion);
      return false;
    }
    if (head.contentLength !== 0) {
      this.conn.setState(ConnectionState.ReadPost);
      if (head.expectContinue && this.parser.bufferedBytes === 0) this.conn.write(CONTINUE_100);
    }
    return true;
  }

  private run(req: Request): void {
    let done: boolean;
    try {
      done = runRequest(this.server, req);
    } catch (err) {
      this.internalError(req, err);
      return;
    }
    if (done) this.respond(req);
    else (req.pending as Promise<unknown>).then(this.resume, this.resumeFailed);
  }

  private readonly resume = (): void => {
    const req = this.current;
    if (req === null || this.closing) return;
    this.run(req);
  };

  private readonly resumeFailed = (err: unknown): void => {
    const req = this.current;
    if (req === null || this.closing) return;
    this.internalError(req, err);
  };

  private internalError(req: Request, err: unknown): void {
    this.server.log.error(`request ${req.head.method} ${req.head.uri} failed: ${err instanceof Error ? err.message : String(err)}`);
    req.resetResponse();
    req.status = 500;
    req.forceClose = true;
    req.appendBody(defaultErrorPage(500));
    req.responseHeaders.push('Content-Type', 'text/html');
    this.respond(req);
  }

  /** error: answer a malformed or refused request and close (keep-alive is never kept). */
  private fail(status: number, httpVersion: 10 | 11): void {
    this.busy = true;
    const body = defaultErrorPage(status);
    const { head } = serializeResponseHead({
      status,
      httpVersion,
      headers: ['Content-Type', 'text/html'],
      contentLength: body.length,
      keepAlive: false,
      serverTag: this.server.globalConf['server.tag'],
    });
    this.writeHead(head, [body]);
    this.close();
  }

  /** respstart: the response head is decided and the body written (write), then respend. */
  private respond(req: Request): void {
    if (this.closing || this.conn.socket.destroyed) return;
    const conn = this.conn;
    conn.setState(ConnectionState.RespStart);
    const conf = req.conf;
    const head = req.head;
    const keepAlive =
      head.keepAlive && !req.forceClose && !this.server.stopping && conn.requestCount < conf['server.max-keep-alive-requests'];
    const limits = conn.limits;
    limits.maxKeepAliveIdle = conf['server.max-keep-alive-idle'];
    limits.maxReadIdle = conf['server.max-read-idle'];
    limits.maxWriteIdle = conf['server.max-write-idle'];
    limits.kbytesPerSecond = conf['connection.kbytes-per-second'];
    conn.setState(ConnectionState.Write);
    if (req.wireKey !== null && this.writeCached(req, keepAlive)) return;
    const rh = serializeResponseHead({
      status: req.status,
      httpVersion: head.httpVersion,
      headers: req.responseHeaders,
      contentLength: req.bodyLength,
      keepAlive,
      serverTag: conf['server.tag'],
      date: this.server.fdevent.trigger.httpDate,
    });
    const parts = head.method === 'HEAD' || rh.framing === 'none' ? [] : req.body;
    this.outKeepAlive = rh.keepAlive;
    this.outIndex = this.writeHead(rh.head, parts);
    this.outParts = parts;
    this.writeNext();
  }

  /**
   * A response whose headers depend only on the stat entry, the config objects and the keep-alive
   * and version variant is serialized once a second (the Date changes) and the same bytes are
   * written for every request: no head building, no copy. false when it does not apply (nothing
   * was written then).
   */
  private writeCached(req: Request, keepAlive: boolean): boolean {
    const entry = req.fileStat;
    const body = req.body[0];
    if (entry === null || req.body.length !== 1 || !(body instanceof Buffer) || req.head.method === 'HEAD') return false;
    const second = this.server.fdevent.trigger.now;
    const variant = (keepAlive ? 1 : 0) | (req.head.httpVersion === 11 ? 2 : 0);
    let w = entry.wire;
    if (w === null || w.second !== second || w.status !== req.status || w.variant !== variant || w.conf !== req.conf || w.key !== req.wireKey || w.body !== body) {
      const rh = serializeResponseHead({
        status: req.status,
        httpVersion: req.head.httpVersion,
        headers: req.responseHeaders,
        contentLength: req.bodyLength,
        keepAlive,
        serverTag: req.conf['server.tag'],
        date: this.server.fdevent.trigger.httpDate,
      });
      if (rh.framing !== 'length' || rh.keepAlive !== keepAlive) return false;
      const bytes = Buffer.allocUnsafeSlow(rh.head.length + body.length);
      body.copy(bytes, bytes.write(rh.head, 0, 'latin1'));
      w = { second, status: req.status, variant, conf: req.conf, key: req.wireKey as object, body, bytes };
      entry.wire = w;
    }
    this.conn.write(w.bytes);
    if (!this.conn.socket.writableNeedDrain && this.conn.pendingBytes === 0) {
      this.respEnd(keepAlive);
      return true;
    }
    // the socket is full: respend once it drained (writeNext finds nothing left to write)
    this.outKeepAlive = keepAlive;
    this.outParts = [];
    this.outIndex = 0;
    this.waitingOutput = true;
    return true;
  }

  /** Writes the head with the leading in-memory parts (one buffer when small); returns how many parts went. */
  private writeHead(head: string, parts: readonly BodyPart[]): number {
    let n = 0;
    let total = head.length;
    while (n < parts.length) {
      const p = parts[n] as BodyPart;
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

  /** write: the remaining parts, with back-pressure from the socket and the traffic budget. */
  private writeNext(): void {
    const parts = this.outParts;
    if (parts === null) return;
    const conn = this.conn;
    const socket = conn.socket;
    for (;;) {
      if (socket.destroyed) return;
      if (conn.pendingBytes > 0 || socket.writableNeedDrain) {
        this.waitingOutput = true;
        return;
      }
      if (this.fd !== -1) {
        const buf = Buffer.allocUnsafe(this.fileLeft < FILE_CHUNK ? this.fileLeft : FILE_CHUNK);
        fs.read(this.fd, buf, 0, buf.length, this.filePos, this.onRead);
        return;
      }
      if (this.outIndex >= parts.length) break;
      const p = parts[this.outIndex] as BodyPart;
      if (p instanceof FilePart) {
        fs.open(p.path, p.guard === null ? O_RDONLY : O_RDONLY | O_NOFOLLOW, this.onOpen);
        return;
      }
      this.outIndex++;
      conn.write(p);
    }
    this.outParts = null;
    this.respEnd(this.outKeepAlive);
  }

  private readonly onOpen = (err: NodeJS.ErrnoException | null, fd: number): void => {
    const part = this.outParts?.[this.outIndex];
    if (err !== null || !(part instanceof FilePart) || this.conn.socket.destroyed) {
      if (err === null) fs.close(fd, () => undefined);
      this.conn.socket.destroy();
      return;
    }
    if (part.guard === null) {
      this.startFile(fd, part);
      return;
    }
    // follow-symlink disabled: only the very file that was checked (the path may have changed since)
    const guard = part.guard;
    fs.fstat(fd, (statErr, st) => {
      if (statErr !== null || !sameFile(guard, st) || this.conn.socket.destroyed) {
        fs.close(fd, () => undefined);
        this.conn.socket.destroy();
        return;
      }
      this.startFile(fd, part);
    });
  };

  private startFile(fd: number, part: FilePart): void {
    this.fd = fd;
    this.filePos = part.start;
    this.fileLeft = part.length;
    this.writeNext();
  }

  private readonly onRead = (err: NodeJS.ErrnoException | null, bytesRead: number, buf: Buffer): void => {
    if (this.fd === -1) return;
    if (err !== null || bytesRead === 0) {
      // the file shrank while being sent: the promised length cannot be kept
      fs.close(this.fd, () => undefined);
      this.fd = -1;
      this.conn.socket.destroy();
      return;
    }
    this.filePos += bytesRead;
    this.fileLeft -= bytesRead;
    if (this.fileLeft === 0) {
      fs.close(this.fd, () => undefined);
      this.fd = -1;
      this.outIndex++;
    }
    this.conn.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    this.writeNext();
  };

  /** respend: next request (keep-alive) or close. */
  private respEnd(keepAlive: boolean): void {
    this.conn.setState(ConnectionState.RespEnd);
    this.current = null;
    if (!keepAlive) {
      this.close();
      return;
    }
    this.busy = false;
    this.reqStart();
    this.nextRequest();
  }

  private nextRequest(): void {
    if (this.server.stopping && !this.parser.inMessage && this.parser.bufferedBytes === 0 && this.input.length === 0) {
      this.close();
      return;
    }
    const input = this.input;
    let chunk: Buffer | undefined;
    if (input.length > 0) {
      chunk = input.length === 1 ? input[0] : Buffer.concat(input);
      this.input = [];
      this.inputBytes = 0;
      if (this.conn.socket.isPaused()) this.conn.socket.resume();
    }
    if (chunk !== undefined || this.parser.bufferedBytes > 0) {
      this.feed(chunk);
      return;
    }
    if (this.readEnded) this.close();
  }
}
