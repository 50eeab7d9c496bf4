// Decodes a chunked response body from an HTTP backend (RFC 9112 7.1), as lighttpd 1.4.69's
// http_chunk_decode_append_mem does for mod_proxy (src/http_chunk.c): chunk-size lines with
// extensions ignored, trailers read and dropped. A pure codec: bytes in, body pieces out, no I/O.

export class ChunkedDecoder {
  /** The terminating chunk and the trailers were read. */
  done = false;
  /** Why the encoding is invalid (the response then ends in error), or null. */
  error: string | null = null;
  /** Bytes left in the current chunk's data, -1 while a size line is due, -2 in the trailers. */
  private left = -1;
  /** The CRLF after a chunk's data is still due. */
  private crlfDue = false;
  private line = '';

  /** Feeds bytes from the backend; returns the body pieces they complete. */
  execute(b: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < b.length && !this.done && this.error === null) {
      if (this.left > 0) {
        const n = Math.min(this.left, b.length - i);
        out.push(b.subarray(i, i + n));
        this.left -= n;
        i += n;
        if (this.left === 0) {
          this.crlfDue = true;
          this.left = -1;
        }
        continue;
      }
      const nl = b.indexOf(0x0a, i);
      const end = nl === -1 ? b.length : nl;
      this.line += b.toString('latin1', i, end);
      if (this.line.length > 1024) this.error = 'chunk header too long';
      if (nl === -1) break;
      i = nl + 1;
      const line = this.line.replace(/\r$/, '');
      this.line = '';
      if (this.crlfDue) {
        this.crlfDue = false;
        if (line !== '') this.error = 'chunk data not followed by CRLF';
        continue;
      }
      if (this.left === -2) {
        if (line === '') this.done = true;
        continue;
      }
      const m = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
      if (m === null || (m[1] as string).length > 15) {
        this.error = `invalid chunk header: ${line}`;
        continue;
      }
      const size = parseInt(m[1] as string, 16);
      this.left = size === 0 ? -2 : size;
    }
    return out;
  }
}
