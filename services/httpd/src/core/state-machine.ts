// The request's state machine, lighttpd 1.4.69 connections.c connection_state_machine_loop from
// REQUEST_END on: handle the request, start the response, write it, end it. Every event (input,
// output room, a module's I/O settling) only re-enters runStateMachine; the state lives on the
// request. REQUEST_START, READ and CLOSE belong to the transport (an HTTP/1 connection reads the
// head; an HTTP/2 stream would get it from its session), which is the ResponseSink here.
import { HandlerResult } from '@libs/plugins';
import { defaultErrorPage } from './error-page';
import { finishBuffered, isStreaming, produceMore, runRequest } from './handle-request';
import { RESPONSE_LOW_WATER, type HttpRequest } from './request';
import { RequestState } from './request-state';
import type { TempSpill } from './temp-spill';

/** How far a write got. */
export const WriteResult = {
  /** All of the body, finished, is written (or handed to the socket). */
  Done: 0,
  /** The socket (or the traffic budget) is full: the sink re-enters on room. */
  Blocked: 1,
  /** Everything queued is written and the body is not finished: more must be produced. */
  Idle: 2,
} as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];

/** What carries a request's response: an HTTP/1 connection (an HTTP/2 stream later). */
export interface ResponseSink {
  /** RESPONSE_START: status and headers are final; frame the body (length, chunked or close). */
  startResponse(r: HttpRequest): void;
  /** WRITE: send what the response body queue holds. */
  write(r: HttpRequest): WriteResult;
  /** RESPONSE_END (and ERROR): after handleRequestDone; the sink reuses or shuts its connection. */
  endResponse(r: HttpRequest): void;
  /** A module's I/O settled (`r.pending`): run the request again (`fail`: it rejected). */
  waitFor(r: HttpRequest, io: Promise<unknown>): void;
  /** A temp-file spill for bodies of this request (server.upload-dirs). */
  spillFor(r: HttpRequest): TempSpill;
}

/** A module threw: the request ends in 500 (before its head was sent) or in ERROR. */
export function internalError(r: HttpRequest, err: unknown): void {
  r.env.log.error(`request ${r.head.method} ${r.head.uri} failed: ${err instanceof Error ? err.message : String(err)}`);
  r.pending = null;
  if (r.state >= RequestState.Write) {
    r.state = RequestState.Error;
    return;
  }
  r.resetResponse();
  r.status = 500;
  r.forceClose = true;
  r.appendBody(defaultErrorPage(500));
  r.respBody.end();
  r.responseHeaders.push('Content-Type', 'text/html');
  r.state = RequestState.ResponseStart;
}

/** HANDLE_REQUEST: true once the response may start (the head is ready; the body too, unless streamed). */
function handle(r: HttpRequest, sink: ResponseSink): boolean {
  if (!runRequest(r)) {
    if (r.pending !== null) sink.waitFor(r, r.pending);
    return false;
  }
  // server.stream-response-body = 0: the whole body first (temp files past 64 KiB), then the head with its length
  if (!r.respBody.finished && r.conf['server.stream-response-body'] === 0) return produceBuffered(r, sink);
  return true;
}

function produceBuffered(r: HttpRequest, sink: ResponseSink): boolean {
  for (;;) {
    // the handler is waiting for its own I/O: it runs again once that settled
    if (r.pending !== null) {
      sink.waitFor(r, r.pending);
      return false;
    }
    const before = r.respBody.bytesIn;
    if (!produceMore(r)) throw new Error('the handler failed while producing the response');
    sink.spillFor(r).spill(r.respBody);
    if (r.respBody.finished) {
      if (finishBuffered(r)) return true;
      if (r.pending !== null) sink.waitFor(r, r.pending);
      return false;
    }
    // waiting for an event of its own (body input): it runs again then
    if (r.pending === null && r.respBody.bytesIn === before) return false;
  }
}

/** WRITE: writes, asking a streaming handler for more while the queue is below the low-water mark. */
function write(r: HttpRequest, sink: ResponseSink): boolean {
  for (;;) {
    if (isStreaming(r) && r.pending === null && !r.respBody.finished && r.respBody.length < RESPONSE_LOW_WATER) {
      const before = r.respBody.bytesIn;
      if (!produceMore(r)) {
        r.state = RequestState.Error;
        return true;
      }
      if (r.respBody.bytesIn === before && !r.respBody.finished) {
        const w = sink.write(r);
        if (w === WriteResult.Done) return true;
        if (r.pending !== null) sink.waitFor(r, r.pending);
        return false;
      }
    }
    const w = sink.write(r);
    if (w === WriteResult.Done) return true;
    if (w === WriteResult.Blocked) return false;
    if (!isStreaming(r)) return false;
    if (r.pending !== null) {
      sink.waitFor(r, r.pending);
      return false;
    }
  }
}

/** Runs the request until it must wait for an event; any event re-enters here. */
export function runStateMachine(r: HttpRequest, sink: ResponseSink): void {
  for (;;) {
    try {
      advance(r, sink);
      return;
    } catch (err) {
      // a module threw: the request ends in 500 or ERROR, and the loop takes it from there
      internalError(r, err);
    }
  }
}

/** The loop of connection_state_machine_loop: returns when the request waits or has ended. */
function advance(r: HttpRequest, sink: ResponseSink): void {
  for (;;) {
    switch (r.state) {
      case RequestState.RequestEnd:
        r.state = r.reqBodyLength === 0 ? RequestState.HandleRequest : RequestState.ReadPost;
        break;
      case RequestState.ReadPost:
      case RequestState.HandleRequest:
        if (!handle(r, sink)) return;
        r.state = RequestState.ResponseStart;
        break;
      case RequestState.ResponseStart: {
        // filter modules may still change the headers (lighttpd http_response_write_prepare)
        const rc = r.env.callRequest('handleResponseStart', r);
        if (rc !== HandlerResult.GoOn && rc !== HandlerResult.Finished) {
          // lighttpd: "response_start plugin failed", HANDLER_ERROR: no head is sent, the connection ends
          r.env.log.error('response_start plugin failed');
          r.state = RequestState.Error;
          break;
        }
        sink.startResponse(r);
        r.state = RequestState.Write;
        break;
      }
      case RequestState.Write:
        if (!write(r, sink)) return;
        if (r.state === RequestState.Write) r.state = RequestState.ResponseEnd;
        break;
      case RequestState.ResponseEnd:
      case RequestState.Error:
        // lighttpd calls request_done whenever a status was set, even for a dropped connection
        if (r.status !== 0) r.env.callRequest('handleRequestDone', r);
        sink.endResponse(r);
        return;
      default:
        return;
    }
  }
}
