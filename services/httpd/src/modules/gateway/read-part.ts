// Reads one file range of a body queue (a temp-file part of a request body spilled to
// server.upload-dirs) into memory, for a gateway that sends it on as FastCGI STDIN records.
import fs from 'node:fs/promises';
import type { FilePart } from '../../core/chunk-queue';

export async function readFilePart(part: FilePart): Promise<Buffer> {
  const fh = await fs.open(part.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(part.length);
    let at = 0;
    while (at < part.length) {
      const { bytesRead } = await fh.read(buf, at, part.length - at, part.start + at);
      if (bytesRead === 0) throw new Error(`${part.path} ended ${part.length - at} bytes early`);
      at += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}
