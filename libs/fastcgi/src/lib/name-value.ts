// FastCGI name-value pairs (spec section 3.4): lengths of 1 byte (< 128) or 4 bytes (high bit
// set, 31 bits), then name and value bytes. Used by PARAMS, GET_VALUES and GET_VALUES_RESULT.
import { isAscii } from 'node:buffer';
import { errors } from './errors';

export type ParamsEncoding = 'utf8' | 'latin1';
export type NameValueInput = Iterable<readonly [string, string | Uint8Array]> | Readonly<Record<string, string>>;

/** Largest length a 4-byte length field can express. */
const MAX_NV_LENGTH = 0x7fffffff;

/**
 * The names met at each position of recent PARAMS streams. A web server sends the same names
 * in the same order on every request: a name equal to the one at its position is that string
 * again, already hashed and internalized, so storing it in a Map and looking it up by a literal
 * cost no hashing and no character compare. Names past these bounds are cut as they come.
 */
const recentNames: string[] = [];
const RECENT_NAMES_MAX = 64;
const RECENT_NAME_MAX_LENGTH = 64;

/** The engine's one copy of a string: property keys are internalized. */
function internalized(name: string): string {
  return Object.keys({ [name]: 0 })[0] ?? name;
}

/** Whether the bytes at `at` of buf are the characters of name (a byte loop: no call per name). */
function bytesAre(buf: Buffer, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (buf[at + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** The name at `at` (text is buf as characters), from recentNames when it is the one met at this position. */
function nameAt(buf: Buffer, text: string, at: number, length: number, position: number): string {
  const recent = recentNames[position];
  if (recent !== undefined && recent.length === length && bytesAre(buf, at, recent)) return recent;
  const name = text.slice(at, at + length);
  if (position >= RECENT_NAMES_MAX || length > RECENT_NAME_MAX_LENGTH) return name;
  return (recentNames[position] = internalized(name));
}

function toEntries(pairs: NameValueInput): Iterable<readonly [string, string | Uint8Array]> {
  if (typeof (pairs as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return pairs as Iterable<readonly [string, string | Uint8Array]>;
  }
  return Object.entries(pairs as Record<string, string>);
}

/** Byte length of a string; short ASCII strings (most CGI params) skip the native call. */
function byteLengthOf(str: string, encoding: ParamsEncoding): number {
  if (encoding === 'latin1') return str.length;
  if (str.length > 64) return Buffer.byteLength(str, encoding);
  for (let i = 0; i < str.length; i++) if (str.charCodeAt(i) > 0x7f) return Buffer.byteLength(str, encoding);
  return str.length;
}

/** Write a string whose byte length is known; short ASCII goes byte by byte, cheaper than buf.write. */
function writeString(buf: Buffer, off: number, str: string, byteLength: number, encoding: ParamsEncoding): void {
  if (byteLength === str.length && byteLength <= 64) {
    for (let i = 0; i < byteLength; i++) buf[off + i] = str.charCodeAt(i);
    return;
  }
  buf.write(str, off, byteLength, encoding);
}

function lengthSize(n: number): number {
  return n < 0x80 ? 1 : 4;
}

function writeLength(buf: Buffer, offset: number, n: number): number {
  if (n < 0x80) {
    buf[offset] = n;
    return offset + 1;
  }
  buf.writeUInt32BE((n | 0x80000000) >>> 0, offset);
  return offset + 4;
}

/** Byte lengths of the pairs being encoded, name and value alternating: kept between calls (no allocation per request). */
const lengths: number[] = [];

/**
 * Encode pairs into one contiguous body: one pass measures, the second writes into one Buffer.
 * This runs for every proxied request: no array per pair.
 */
export function encodeNameValuePairs(pairs: NameValueInput, encoding: ParamsEncoding = 'utf8'): Buffer {
  const list = Array.isArray(pairs) ? (pairs as ReadonlyArray<readonly [string, string | Uint8Array]>) : [...toEntries(pairs)];
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i] as readonly [string, string | Uint8Array];
    const nameLen = byteLengthOf(name, encoding);
    const valueLen = typeof value === 'string' ? byteLengthOf(value, encoding) : value.byteLength;
    if (nameLen > MAX_NV_LENGTH || valueLen > MAX_NV_LENGTH) {
      throw errors.params(`pair ${name} is longer than 2^31-1 bytes`);
    }
    lengths[2 * i] = nameLen;
    lengths[2 * i + 1] = valueLen;
    total += lengthSize(nameLen) + lengthSize(valueLen) + nameLen + valueLen;
  }
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i] as readonly [string, string | Uint8Array];
    const nameLen = lengths[2 * i] as number;
    const valueLen = lengths[2 * i + 1] as number;
    off = writeLength(buf, off, nameLen);
    off = writeLength(buf, off, valueLen);
    writeString(buf, off, name, nameLen, encoding);
    off += nameLen;
    if (typeof value === 'string') writeString(buf, off, value, valueLen, encoding);
    else buf.set(value, off);
    off += valueLen;
  }
  return buf;
}

export interface NameValueDecoderOptions {
  encoding?: ParamsEncoding;
  /** Upper bound on the total bytes of the stream (FASTCGI_ERR_PARAMS_TOO_LARGE past it). */
  maxLength?: number;
}

/**
 * Streaming name-value decoder: feed it the content of consecutive PARAMS records in any
 * split; it calls onPair for each complete pair and keeps only the unfinished tail.
 */
export class NameValueDecoder {
  private readonly encoding: ParamsEncoding;
  private readonly maxLength: number;
  /** Unconsumed bytes (the start of a pair), kept as a list until enough arrived to decode it. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes needed before the next pair can make progress. */
  private need = 1;
  private seen = 0;
  /** Pairs decoded so far: the position of the next name. */
  private pairs = 0;

  /**
   * `onPair`'s `latin1` is the value's bytes one char each, given only when the value was decoded
   * as UTF-8 and has bytes above 0x7f (so it may differ from `value`, or be invalid UTF-8).
   */
  constructor(
    private readonly onPair: (name: string, value: string, latin1?: string) => void,
    options: NameValueDecoderOptions = {},
  ) {
    this.encoding = options.encoding ?? 'utf8';
    this.maxLength = options.maxLength ?? Number.MAX_SAFE_INTEGER;
  }

  /** `chunk` is only borrowed: the bytes of an unfinished pair are kept as a copy. */
  push(chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.seen > this.maxLength) throw errors.paramsTooLarge(this.seen, this.maxLength);
    if (chunk.length === 0) return;
    // Joining chunks costs a copy: only do it once the pending pair can be completed.
    if (this.pendingLength + chunk.length < this.need) {
      this.pending.push(Buffer.from(chunk));
      this.pendingLength += chunk.length;
      return;
    }
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    const buf = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingLength);
    // Params are nearly always ASCII: then the whole buffer becomes one string in one native
    // call and names and values are cut from it, instead of two native calls per pair.
    const text = this.encoding === 'latin1' || isAscii(buf) ? buf.toString('latin1') : null;
    const off = this.decodePairs(buf, text);
    this.pending = off === buf.length ? [] : [Buffer.from(buf.subarray(off))];
    this.pendingLength = buf.length - off;
  }

  /** The stream ended: leftover bytes mean a pair was cut short. */
  end(): void {
    if (this.pendingLength > 0) {
      throw errors.params(`stream ended inside a pair (${this.pendingLength} bytes left over)`);
    }
  }

  /**
   * Decode the complete pairs at the start of buf; returns where the first incomplete one
   * starts and sets `need` to the bytes it takes to make progress. `text` is buf as a string
   * when its bytes are the characters (ASCII, or latin1 params). One loop, no calls per field:
   * this runs for every request.
   */
  private decodePairs(buf: Buffer, text: string | null): number {
    const length = buf.length;
    let off = 0;
    while (off < length) {
      let at = off;
      let nameLen = buf[at++] ?? 0;
      if (nameLen > 0x7f) {
        if (at + 3 > length) break;
        nameLen = (((nameLen & 0x7f) << 24) | ((buf[at] ?? 0) << 16) | ((buf[at + 1] ?? 0) << 8) | (buf[at + 2] ?? 0)) >>> 0;
        at += 3;
      }
      if (at >= length) break;
      let valueLen = buf[at++] ?? 0;
      if (valueLen > 0x7f) {
        if (at + 3 > length) break;
        valueLen = (((valueLen & 0x7f) << 24) | ((buf[at] ?? 0) << 16) | ((buf[at + 1] ?? 0) << 8) | (buf[at + 2] ?? 0)) >>> 0;
        at += 3;
      }
      if (nameLen + valueLen > this.maxLength) throw errors.paramsTooLarge(nameLen + valueLen, this.maxLength);
      const end = at + nameLen + valueLen;
      if (end > length) {
        this.need = end - off;
        return off;
      }
      const valueAt = at + nameLen;
      const position = this.pairs++;
      if (text !== null) this.onPair(nameAt(buf, text, at, nameLen, position), text.slice(valueAt, end));
      else this.onPair(buf.toString(this.encoding, at, valueAt), buf.toString(this.encoding, valueAt, end), buf.toString('latin1', valueAt, end));
      off = end;
    }
    // Both length fields are not readable yet: at most the two 4-byte fields are needed.
    this.need = off === length ? 1 : Math.min(8, length - off + 1);
    return off;
  }
}

/** Decode a complete body (GET_VALUES, GET_VALUES_RESULT, or a whole PARAMS stream). */
export function decodeNameValuePairs(body: Buffer, encoding: ParamsEncoding = 'utf8'): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const decoder = new NameValueDecoder((n, v) => out.push([n, v]), { encoding });
  decoder.push(body);
  decoder.end();
  return out;
}
