// Streaming FastCGI record parser with a hard boundary (undici's client-h1 parser shape):
// execute(chunk) consumes bytes split at any boundary, reports typed records through one
// callback, returns a status, and throws catalogued FastcgiErrors. No I/O, so it can be fuzzed.
import {
  FCGI_ABORT_REQUEST,
  FCGI_BEGIN_REQUEST,
  FCGI_BEGIN_REQUEST_BODY_LEN,
  FCGI_END_REQUEST,
  FCGI_END_REQUEST_BODY_LEN,
  FCGI_GET_VALUES,
  FCGI_GET_VALUES_RESULT,
  FCGI_HEADER_LEN,
  FCGI_MAX_CONTENT_LENGTH,
  FCGI_NULL_REQUEST_ID,
  FCGI_UNKNOWN_TYPE,
  FCGI_UNKNOWN_TYPE_BODY_LEN,
  FCGI_VERSION_1,
  isStreamRecordType,
  type StreamRecordType,
} from './constants';
import { errors, type FastcgiError } from './errors';
import { decodeNameValuePairs, type ParamsEncoding } from './name-value';

/**
 * A decoded record. Stream content arrives as one or more "stream" pieces, then "stream-end".
 * Stream types sent with request id 0 are not streams: they arrive whole as "unrecognized".
 */
export type FastcgiRecord =
  | { kind: 'begin-request'; type: typeof FCGI_BEGIN_REQUEST; requestId: number; role: number; flags: number }
  | { kind: 'abort-request'; type: typeof FCGI_ABORT_REQUEST; requestId: number }
  | {
      kind: 'end-request';
      type: typeof FCGI_END_REQUEST;
      requestId: number;
      appStatus: number;
      protocolStatus: number;
    }
  | { kind: 'stream'; type: StreamRecordType; requestId: number; data: Buffer }
  | { kind: 'stream-end'; type: StreamRecordType; requestId: number }
  | { kind: 'get-values'; type: typeof FCGI_GET_VALUES; requestId: number; names: string[] }
  | { kind: 'get-values-result'; type: typeof FCGI_GET_VALUES_RESULT; requestId: number; values: Map<string, string> }
  | { kind: 'unknown-type'; type: typeof FCGI_UNKNOWN_TYPE; requestId: number; unknownType: number }
  | { kind: 'unrecognized'; type: number; requestId: number; content: Buffer };

export interface RecordParserOptions {
  /** Called for every decoded record, in order. */
  onRecord(record: FastcgiRecord): void;
  /** Lower than 65535 to refuse big non-stream records early (FASTCGI_ERR_RECORD_TOO_LARGE). */
  maxContentLength?: number;
  /** How GET_VALUES names and values are turned into strings. */
  encoding?: ParamsEncoding;
}

/** 'idle': the input ended on a record boundary; 'partial': a record is still incomplete. */
export type ParseStatus = 'idle' | 'partial';

const enum State {
  Header,
  Content,
  Padding,
  Failed,
}

export class RecordParser {
  private readonly onRecord: (record: FastcgiRecord) => void;
  private readonly maxContentLength: number;
  private readonly encoding: ParamsEncoding;
  private state = State.Header;
  private readonly header = Buffer.alloc(FCGI_HEADER_LEN);
  private headerFill = 0;
  private type = 0;
  private requestId = 0;
  /** Stream types carry request data only for a real request; with id 0 they are management records. */
  private streaming = false;
  private contentLeft = 0;
  private paddingLeft = 0;
  /** Buffered content of a non-stream record that spans chunks. */
  private body: Buffer | null = null;
  private bodyFill = 0;
  private failure: FastcgiError | null = null;

  constructor(options: RecordParserOptions) {
    this.onRecord = options.onRecord;
    this.maxContentLength = Math.min(options.maxContentLength ?? FCGI_MAX_CONTENT_LENGTH, FCGI_MAX_CONTENT_LENGTH);
    this.encoding = options.encoding ?? 'utf8';
  }

  /** Consume a chunk. Throws a FastcgiError on malformed input; the parser then refuses more. */
  execute(chunk: Buffer): ParseStatus {
    if (this.state === State.Failed) throw errors.parserFailed();
    try {
      this.run(chunk);
    } catch (err) {
      this.state = State.Failed;
      this.failure = err as FastcgiError;
      throw err;
    }
    return this.status();
  }

  /** The input ended (peer closed): throws FASTCGI_ERR_TRUNCATED when inside a record. */
  finish(): void {
    if (this.state === State.Failed) throw this.failure ?? errors.parserFailed();
    if (this.status() === 'partial') {
      const missing =
        this.state === State.Header ? FCGI_HEADER_LEN - this.headerFill : this.contentLeft + this.paddingLeft;
      this.state = State.Failed;
      this.failure = errors.truncated(missing);
      throw this.failure;
    }
  }

  status(): ParseStatus {
    return this.state === State.Header && this.headerFill === 0 ? 'idle' : 'partial';
  }

  private run(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      switch (this.state) {
        case State.Header: {
          if (this.headerFill === 0 && len - off >= FCGI_HEADER_LEN) {
            this.startRecord(chunk, off);
            off += FCGI_HEADER_LEN;
          } else {
            const n = Math.min(FCGI_HEADER_LEN - this.headerFill, len - off);
            chunk.copy(this.header, this.headerFill, off, off + n);
            this.headerFill += n;
            off += n;
            if (this.headerFill === FCGI_HEADER_LEN) {
              this.headerFill = 0;
              this.startRecord(this.header, 0);
            }
          }
          break;
        }
        case State.Content:
          off = this.content(chunk, off);
          break;
        case State.Padding: {
          const n = Math.min(this.paddingLeft, len - off);
          this.paddingLeft -= n;
          off += n;
          if (this.paddingLeft === 0) this.state = State.Header;
          break;
        }
        case State.Failed:
          throw errors.parserFailed();
      }
    }
  }

  private startRecord(buf: Buffer, at: number): void {
    const version = buf.readUInt8(at);
    if (version !== FCGI_VERSION_1) throw errors.version(version);
    const type = buf.readUInt8(at + 1);
    const requestId = buf.readUInt16BE(at + 2);
    const contentLength = buf.readUInt16BE(at + 4);
    const paddingLength = buf.readUInt8(at + 6);
    const fixed = fixedBodyLength(type);
    if (fixed !== -1 && contentLength !== fixed) throw errors.recordLength(type, contentLength, fixed);
    const streaming = requestId !== FCGI_NULL_REQUEST_ID && isStreamRecordType(type);
    if (!streaming && contentLength > this.maxContentLength) {
      throw errors.recordTooLarge(contentLength, this.maxContentLength);
    }
    this.type = type;
    this.requestId = requestId;
    this.streaming = streaming;
    this.contentLeft = contentLength;
    this.paddingLeft = paddingLength;
    if (contentLength === 0) {
      this.complete(EMPTY);
      this.state = paddingLength > 0 ? State.Padding : State.Header;
    } else {
      this.state = State.Content;
    }
  }

  private content(chunk: Buffer, off: number): number {
    const n = Math.min(this.contentLeft, chunk.length - off);
    if (this.streaming) {
      this.contentLeft -= n;
      const type = this.type as StreamRecordType;
      this.onRecord({ kind: 'stream', type, requestId: this.requestId, data: chunk.subarray(off, off + n) });
    } else if (this.body === null && n === this.contentLeft) {
      this.contentLeft = 0;
      this.complete(chunk.subarray(off, off + n));
    } else {
      if (this.body === null) {
        this.body = Buffer.allocUnsafe(this.contentLeft);
        this.bodyFill = 0;
      }
      chunk.copy(this.body, this.bodyFill, off, off + n);
      this.bodyFill += n;
      this.contentLeft -= n;
      if (this.contentLeft === 0) {
        const body = this.body;
        this.body = null;
        this.complete(body);
      }
    }
    if (this.contentLeft === 0) this.state = this.paddingLeft > 0 ? State.Padding : State.Header;
    return off + n;
  }

  /** The whole content of the current record is known (stream records: only when empty). */
  private complete(content: Buffer): void {
    const requestId = this.requestId;
    const type = this.type;
    if (this.streaming && isStreamRecordType(type)) {
      this.onRecord({ kind: 'stream-end', type, requestId });
      return;
    }
    switch (type) {
      case FCGI_BEGIN_REQUEST:
        this.onRecord({ kind: 'begin-request', type, requestId, role: content.readUInt16BE(0), flags: content.readUInt8(2) });
        return;
      case FCGI_ABORT_REQUEST:
        this.onRecord({ kind: 'abort-request', type, requestId });
        return;
      case FCGI_END_REQUEST:
        this.onRecord({
          kind: 'end-request',
          type,
          requestId,
          appStatus: content.readUInt32BE(0),
          protocolStatus: content.readUInt8(4),
        });
        return;
      case FCGI_GET_VALUES:
        this.onRecord({
          kind: 'get-values',
          type,
          requestId,
          names: decodeNameValuePairs(content, this.encoding).map(([name]) => name),
        });
        return;
      case FCGI_GET_VALUES_RESULT:
        this.onRecord({
          kind: 'get-values-result',
          type,
          requestId,
          values: new Map(decodeNameValuePairs(content, this.encoding)),
        });
        return;
      case FCGI_UNKNOWN_TYPE:
        this.onRecord({ kind: 'unknown-type', type, requestId, unknownType: content.readUInt8(0) });
        return;
      default:
        this.onRecord({ kind: 'unrecognized', type, requestId, content: Buffer.from(content) });
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Content length the spec fixes for a record type, or -1 when it varies. */
function fixedBodyLength(type: number): number {
  switch (type) {
    case FCGI_BEGIN_REQUEST:
      return FCGI_BEGIN_REQUEST_BODY_LEN;
    case FCGI_END_REQUEST:
      return FCGI_END_REQUEST_BODY_LEN;
    case FCGI_UNKNOWN_TYPE:
      return FCGI_UNKNOWN_TYPE_BODY_LEN;
    case FCGI_ABORT_REQUEST:
      return 0;
    default:
      return -1;
  }
}
