// FastCGI record encoder (no I/O): header + content + padding to 8-byte alignment, as php's
// fastcgi.c fcgi_make_header does. Results are Buffer arrays meant for writev (socket.cork/write).
import {
  FCGI_ABORT_REQUEST,
  FCGI_BEGIN_REQUEST,
  FCGI_END_REQUEST,
  FCGI_GET_VALUES,
  FCGI_GET_VALUES_RESULT,
  FCGI_HEADER_LEN,
  FCGI_MAX_CONTENT_LENGTH,
  FCGI_MAX_STREAM_CHUNK,
  FCGI_NULL_REQUEST_ID,
  FCGI_PARAMS,
  FCGI_REQUEST_COMPLETE,
  FCGI_STDERR,
  FCGI_STDOUT,
  FCGI_UNKNOWN_TYPE,
  FCGI_VERSION_1,
  type StreamRecordType,
} from './constants';
import { errors } from './errors';
import { encodeNameValuePairs, type NameValueInput, type ParamsEncoding } from './name-value';

/** Shared zero bytes that padding slices point into (never written to). */
const ZERO_PADDING = Buffer.alloc(8);

/** Padding that brings a content length up to a multiple of 8. */
export function paddingFor(contentLength: number): number {
  return (8 - (contentLength & 7)) & 7;
}

/** Write one 8-byte header at offset (FCGI_Header). */
export function writeHeader(
  buf: Buffer,
  offset: number,
  type: number,
  requestId: number,
  contentLength: number,
  paddingLength: number,
): void {
  buf[offset] = FCGI_VERSION_1;
  buf[offset + 1] = type;
  buf[offset + 2] = (requestId >> 8) & 0xff;
  buf[offset + 3] = requestId & 0xff;
  buf[offset + 4] = (contentLength >> 8) & 0xff;
  buf[offset + 5] = contentLength & 0xff;
  buf[offset + 6] = paddingLength;
  buf[offset + 7] = 0;
}

/** One record whose content fits in a single record (management and fixed-size bodies). */
export function encodeRecord(type: number, requestId: number, content?: Uint8Array): Buffer {
  const length = content === undefined ? 0 : content.byteLength;
  if (length > FCGI_MAX_CONTENT_LENGTH) throw errors.recordTooLarge(length, FCGI_MAX_CONTENT_LENGTH);
  const padding = paddingFor(length);
  const buf = Buffer.allocUnsafe(FCGI_HEADER_LEN + length + padding);
  writeHeader(buf, 0, type, requestId, length, padding);
  if (content !== undefined) buf.set(content, FCGI_HEADER_LEN);
  buf.fill(0, FCGI_HEADER_LEN + length);
  return buf;
}

/**
 * Stream content as records of at most FCGI_MAX_STREAM_CHUNK bytes, without copying the data:
 * all headers go into one Buffer, content entries are slices of the input, padding points at a
 * shared zero buffer. An empty input yields no records (the terminator is encodeStreamEnd).
 */
export function encodeStream(type: StreamRecordType, requestId: number, data: Uint8Array): Buffer[] {
  const length = data.byteLength;
  if (length === 0) return [];
  const count = Math.ceil(length / FCGI_MAX_STREAM_CHUNK);
  const headers = Buffer.allocUnsafe(count * FCGI_HEADER_LEN);
  const input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Buffer[] = [];
  for (let i = 0, off = 0; i < count; i++, off += FCGI_MAX_STREAM_CHUNK) {
    const size = Math.min(FCGI_MAX_STREAM_CHUNK, length - off);
    const padding = paddingFor(size);
    writeHeader(headers, i * FCGI_HEADER_LEN, type, requestId, size, padding);
    out.push(headers.subarray(i * FCGI_HEADER_LEN, (i + 1) * FCGI_HEADER_LEN), input.subarray(off, off + size));
    if (padding > 0) out.push(ZERO_PADDING.subarray(0, padding));
  }
  return out;
}

/**
 * The end of a response as one Buffer (one write): the last STDOUT bytes (at most one record's
 * worth, 65535), the STDOUT terminator, the STDERR terminator when STDERR was used, END_REQUEST.
 */
export function encodeResponseEnd(requestId: number, last: string | Uint8Array, closeStderr: boolean, appStatus: number): Buffer {
  const size = typeof last === 'string' ? Buffer.byteLength(last) : last.byteLength;
  if (size > FCGI_MAX_STREAM_CHUNK) throw new RangeError(`final STDOUT data of ${size} bytes does not fit one record`);
  const padding = size === 0 ? 0 : paddingFor(size);
  const dataLength = size === 0 ? 0 : FCGI_HEADER_LEN + size + padding;
  const buf = Buffer.allocUnsafe(dataLength + FCGI_HEADER_LEN * (closeStderr ? 2 : 1) + FCGI_HEADER_LEN + 8);
  let off = 0;
  if (size > 0) {
    writeHeader(buf, 0, FCGI_STDOUT, requestId, size, padding);
    if (typeof last === 'string') buf.write(last, FCGI_HEADER_LEN);
    else buf.set(last, FCGI_HEADER_LEN);
    // At most 7 bytes: a loop is cheaper than fill()'s argument checks.
    for (let i = FCGI_HEADER_LEN + size; i < dataLength; i++) buf[i] = 0;
    off = dataLength;
  }
  writeHeader(buf, off, FCGI_STDOUT, requestId, 0, 0);
  off += FCGI_HEADER_LEN;
  if (closeStderr) {
    writeHeader(buf, off, FCGI_STDERR, requestId, 0, 0);
    off += FCGI_HEADER_LEN;
  }
  writeHeader(buf, off, FCGI_END_REQUEST, requestId, 8, 0);
  buf.writeUInt32BE(appStatus >>> 0, off + FCGI_HEADER_LEN);
  buf[off + FCGI_HEADER_LEN + 4] = FCGI_REQUEST_COMPLETE;
  buf[off + FCGI_HEADER_LEN + 5] = buf[off + FCGI_HEADER_LEN + 6] = buf[off + FCGI_HEADER_LEN + 7] = 0;
  return buf;
}

/** The empty record that ends a stream. */
export function encodeStreamEnd(type: StreamRecordType, requestId: number): Buffer {
  const buf = Buffer.allocUnsafe(FCGI_HEADER_LEN);
  writeHeader(buf, 0, type, requestId, 0, 0);
  return buf;
}

export function encodeBeginRequest(requestId: number, role: number, flags: number): Buffer {
  const buf = Buffer.alloc(FCGI_HEADER_LEN + 8);
  writeHeader(buf, 0, FCGI_BEGIN_REQUEST, requestId, 8, 0);
  buf.writeUInt16BE(role, 8);
  buf[10] = flags;
  return buf;
}

export function encodeAbortRequest(requestId: number): Buffer {
  const buf = Buffer.allocUnsafe(FCGI_HEADER_LEN);
  writeHeader(buf, 0, FCGI_ABORT_REQUEST, requestId, 0, 0);
  return buf;
}

export function encodeEndRequest(requestId: number, appStatus: number, protocolStatus: number): Buffer {
  const buf = Buffer.alloc(FCGI_HEADER_LEN + 8);
  writeHeader(buf, 0, FCGI_END_REQUEST, requestId, 8, 0);
  buf.writeUInt32BE(appStatus >>> 0, 8);
  buf[12] = protocolStatus;
  return buf;
}

export function encodeUnknownType(type: number): Buffer {
  const buf = Buffer.alloc(FCGI_HEADER_LEN + 8);
  writeHeader(buf, 0, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, 8, 0);
  buf[8] = type;
  return buf;
}

/** PARAMS records for the pairs, then the empty PARAMS record that ends the stream. */
export function encodeParams(requestId: number, params: NameValueInput, encoding: ParamsEncoding = 'utf8'): Buffer[] {
  const out = encodeStream(FCGI_PARAMS, requestId, encodeNameValuePairs(params, encoding));
  out.push(encodeStreamEnd(FCGI_PARAMS, requestId));
  return out;
}

/** GET_VALUES asks for variables by name (the values are empty). */
export function encodeGetValues(names: Iterable<string>): Buffer {
  const pairs: Array<[string, string]> = [];
  for (const name of names) pairs.push([name, '']);
  return encodeRecord(FCGI_GET_VALUES, FCGI_NULL_REQUEST_ID, encodeNameValuePairs(pairs));
}

export function encodeGetValuesResult(values: NameValueInput): Buffer {
  return encodeRecord(FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, encodeNameValuePairs(values));
}
