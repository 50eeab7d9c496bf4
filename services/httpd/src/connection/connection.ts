// The HTTP/1.1 connection state machine of lighttpd 1.4.69 src/connections.c on a net.Socket:
// connect → reqstart → read → reqend → readpost → handlereq → respstart → write → respend → (reqstart
// on keep-alive | close), error for malformed input. Requests are handled one at a time, so pipelined
// responses leave in order; input arriving meanwhile is kept (and the socket paused past a limit).
import fs from 'node:fs';
import type net from 'node:net';
import type { ServiceLog } from '@libs/log';
import { ParseStatus, RequestParser, type RequestHead, type RequestParserOptions } from '../http/request-parser';
import { CONTINUE_100, serializeResponseHead } from '../http/response-head';
import type { ConfigSnapshots } from '../server/config-snapshots';
import { defaultErrorPage } from './error-page';
import { FilePart, Request, type BodyPart } from './request';
import { applyRequestTarget, handleRequest, type RequestHandlerContext } from './response';

/** lighttpd's connection states, by the names it logs. */
export type ConnectionStateName =
  | 'connect'
  | 'reqstart'
  | 'read'
  | 'reqend'
  | 'readpost'
  | 'handlereq'
  | 'respstart'
  | 'write'
  | 'respend'
  | 'error'
  | 'close';

/** What a connection needs from the server that owns it. */
export interface ConnectionOwner {
  readonly handlerContext: RequestHandlerContext;
  readonly snapshots: ConfigSnapshots;
  readonly parserOptions: RequestParserOptions;
  readonly log: ServiceLog;
  /** true once a graceful stop began: no new keep-alive. */
  readonly stopping: boolean;
  /** trigger seconds (the 1-second clock). */
  readonly now: number;
  connectionClosed(conn: HttpConnection): void;
}

/** Input kept while a request is being answered, before reading from the socket pauses. */
const MAX_PENDING_INPUT = 64 * 1024;
/** Responses up to this size are copied into one buffer with their head: one write, one syscall. */
const SINGLE_WRITE_LIMIT = 64 * 1024;
const FILE_CHUNK = 256 * 1024;

export class HttpConnection {
  state: ConnectionStateName = 'connect';
  requestCount = 0;
  /** trigger seconds of the last input, of the last output progress, of entering close. */
  lastRead: number;
  lastWrite = 0;
  closedAt = 0;
  private readonly parser: RequestParser;
  private current: Request | null = null;
  private busy = false;
  private readEnded = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bodyBytes = 0;
  private writing = false;

  constructor(
    readonly socket: net.Socket,
    private readonly owner: ConnectionOwner,
    /** the listening socket's config key, for $SERVER["socket"]. */
    readonly serverSocket: string,
  ) {
    this.parser = new RequestParser(owner.parserOptions);
    this.lastRead = owner.now;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.state = 'close';
      owner.connectionClosed(this);
    });
    this.state = 'reqstart';
  }

  /** Idle keep-alive (nothing in progress): safe to close for a graceful stop. */
  get idle(): boolean {
    return !this.busy && !this.parser.inMessage && this.state !== 'close';
  }

  /** Output is in progress (for server.max-write-idle). */
  get isWriting(): boolean {
    return this.writing;
  }

  get inRequest(): boolean {
    return this.busy || this.parser.inMessage;
  }

  /** Ends the connection: FIN now, the socket is destroyed when the peer closes (or by the trigger). */
  close(): void {
    if (this.state === 'close') return;
    this.state = 'close';
    this.closedAt = this.owner.now;
    this.pending = [];
    if (this.socket.isPaused()) this.socket.resume();
    const socket = this.socket;
    if (this.readEnded) socket.end(() => socket.destroy());
    else socket.end();
  }

  private onData(chunk: Buffer): void {
    this.lastRead = this.owner.now;
    if (this.state === 'close') return;
    if (this.busy) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > MAX_PENDING_INPUT) this.socket.pause();
      return;
    }
    this.feed(chunk);
  }

  private onEnd(): void {
    this.readEnded = true;
    if (this.state === 'close') {
      this.socket.destroy();
      return;
    }
    if (!this.busy && this.pending.length === 0) this.close();
  }

  private feed(chunk: Buffer | undefined): void {
    const parser = this.parser;
    let input = chunk;
    for (;;) {
      const st = parser.execute(input);
      input = undefined;
      switch (st) {
        case ParseStatus.NeedMore:
          this.state = this.current !== null ? 'readpost' : parser.inMessage ? 'read' : 'reqstart';
          if (this.readEnded) this.close();
          return;
        case ParseStatus.HeadComplete:
          if (!this.onHead(parser.request as RequestHead)) return;
          break;
        case ParseStatus.BodyChunk: {
          // static content does not consume request bodies: read and dropped
          this.bodyBytes += parser.bodyChunk.length;
          const req = this.current as Request;
          const limit = req.config.maxRequestSize;
          if (limit > 0 && this.bodyBytes > limit) {
            this.fail(413, req.head.httpVersion);
            return;
          }
          break;
        }
        case ParseStatus.MessageComplete: {
          const req = this.current as Request;
          this.busy = true;
          this.state = 'handlereq';
          handleRequest(this.owner.handlerContext, req).then(
            () => this.respond(req),
            (err: unknown) => {
              this.owner.log.error(`request ${req.head.method} ${req.head.uri} failed: ${err instanceof Error ? err.message : String(err)}`);
              req.resetResponse();
              req.status = 500;
              req.forceClose = true;
              req.appendBody(defaultErrorPage(500));
              req.responseHeaders.push('Content-Type', 'text/html');
              this.respond(req);
            },
          );
          return;
        }
        default:
          this.state = 'error';
          this.fail(parser.error?.status ?? 400, parser.responseVersion);
          return;
      }
    }
  }

  /** reqend: the head is complete; choose the config snapshot. false when the request is refused. */
  private onHead(head: RequestHead): boolean {
    this.state = 'reqend';
    const remoteIp = this.socket.remoteAddress ?? '';
    const req = new Request(head, this.owner.snapshots.global, remoteIp, this.serverSocket, 'http');
    if (applyRequestTarget(req, head.uri)) req.config = this.owner.snapshots.select(req);
    this.current = req;
    this.bodyBytes = 0;
    const limit = req.config.maxRequestSize;
    if (limit > 0 && head.contentLength > limit) {
      this.fail(413, head.httpVersion);
      return false;
    }
    if (head.contentLength !== 0) {
      this.state = 'readpost';
      if (head.expectContinue && this.parser.bufferedBytes === 0) this.socket.write(CONTINUE_100);
    }
    return true;
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
      serverTag: this.owner.snapshots.global.serverTag,
    });
    this.writeAll(head, [body]);
    this.close();
  }

  /** respstart: the response head is decided and the body written (write), then respend. */
  private respond(req: Request): void {
    if (this.state === 'close' || this.socket.destroyed) return;
    this.state = 'respstart';
    const conf = req.config;
    const head = req.head;
    const keepAlive =
      head.keepAlive && !req.forceClose && !this.owner.stopping && this.requestCount + 1 < conf.maxKeepAliveRequests;
    const rh = serializeResponseHead({
      status: req.status,
      httpVersion: head.httpVersion,
      headers: req.responseHeaders,
      contentLength: req.bodyLength,
      keepAlive,
      serverTag: conf.serverTag,
    });
    const skipBody = head.method === 'HEAD' || rh.framing === 'none';
    const parts = skipBody ? [] : req.body;
    let files = false;
    for (let i = 0; i < parts.length; i++) if (parts[i] instanceof FilePart) files = true;
    if (!files) {
      this.writeAll(rh.head, parts as Buffer[]);
      this.respEnd(rh.keepAlive);
      return;
    }
    this.state = 'write';
    this.writing = true;
    this.socket.write(rh.head, 'latin1');
    this.writeParts(parts, 0).then(
      () => {
        this.writing = false;
        this.respEnd(rh.keepAlive);
      },
      () => {
        this.writing = false;
        this.socket.destroy();
      },
    );
  }

  private writeAll(head: string, parts: readonly Buffer[]): void {
    let total = head.length;
    for (let i = 0; i < parts.length; i++) total += (parts[i] as Buffer).length;
    const socket = this.socket;
    if (total <= SINGLE_WRITE_LIMIT) {
      const out = Buffer.allocUnsafe(total);
      let off = out.write(head, 0, 'latin1');
      for (let i = 0; i < parts.length; i++) off += (parts[i] as Buffer).copy(out, off);
      socket.write(out);
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      for (let i = 0; i < parts.length; i++) socket.write(parts[i] as Buffer);
      socket.uncork();
    }
    this.lastWrite = this.owner.now;
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = this.socket;
      const onDrain = (): void => {
        socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        socket.off('drain', onDrain);
        reject(new Error('connection closed while writing'));
      };
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });
  }

  private async writeParts(parts: readonly BodyPart[], from: number): Promise<void> {
    for (let i = from; i < parts.length; i++) {
      const p = parts[i] as BodyPart;
      if (p instanceof FilePart) await this.writeFile(p);
      else if (!this.socket.write(p)) await this.drain();
      this.lastWrite = this.owner.now;
    }
  }

  /** Streams a file range with back-pressure: read a chunk, write it, wait for drain when told. */
  private async writeFile(part: FilePart): Promise<void> {
    const fh = await fs.promises.open(part.path, 'r');
    try {
      let pos = part.start;
      let left = part.length;
      while (left > 0) {
        if (this.socket.destroyed) throw new Error('connection closed while writing');
        const buf = Buffer.allocUnsafe(left < FILE_CHUNK ? left : FILE_CHUNK);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) throw new Error(`${part.path} shrank while being sent`);
        pos += bytesRead;
        left -= bytesRead;
        this.lastWrite = this.owner.now;
        if (!this.socket.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))) await this.drain();
      }
    } finally {
      await fh.close();
    }
  }

  /** respend: next request (keep-alive) or close. */
  private respEnd(keepAlive: boolean): void {
    this.state = 'respend';
    this.requestCount++;
    this.current = null;
    this.busy = false;
    if (!keepAlive) {
      this.close();
      return;
    }
    this.state = 'reqstart';
    if (this.socket.writableNeedDrain) {
      // a pipelining client that does not read: take no more requests until it does
      this.busy = true;
      this.drain().then(
        () => {
          this.busy = false;
          this.nextRequest();
        },
        () => undefined,
      );
      return;
    }
    this.nextRequest();
  }

  private nextRequest(): void {
    if (this.owner.stopping && !this.parser.inMessage && this.parser.bufferedBytes === 0 && this.pending.length === 0) {
      this.close();
      return;
    }
    const pending = this.pending;
    let chunk: Buffer | undefined;
    if (pending.length > 0) {
      chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      this.pending = [];
      this.pendingBytes = 0;
      if (this.socket.isPaused()) this.socket.resume();
    }
    if (chunk !== undefined || this.parser.bufferedBytes > 0) {
      this.feed(chunk);
      return;
    }
    if (this.readEnded) this.close();
  }
}
