// Reads one file range of a body queue (a temp-file part of a request body spilled to
// server.upload-dirs) into memory, for a gateway that sends it on as FastCGI STDIN records. The
// read is synchronous, as lighttpd's: a temp file just written is in the page cache, and three
// thread-pool round trips per 64 KiB piece (open, read, close) cost more than the read itself.
import fs from 'node:fs';
import type { FilePart } from '../../core/chunk-queue';

export function readFilePart(part: FilePart): Promise<Buffer> {
  try {
    // a temp file's own descriptor (kept open by the request's TempSpill) saves an open and a close per piece
    const fd = part.fd >= 0 ? part.fd : fs.openSync(part.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(part.length);
      let at = 0;
      while (at < part.length) {
        const n = fs.readSync(fd, buf, at, part.length - at, part.start + at);
        if (n === 0) throw new Error(`${part.path} ended ${part.length - at} bytes early`);
        at += n;
      }
      return Promise.resolve(buf);
    } finally {
      if (fd !== part.fd) fs.closeSync(fd);
    }
  } catch (e) {
    return Promise.reject(e);
  }
}
