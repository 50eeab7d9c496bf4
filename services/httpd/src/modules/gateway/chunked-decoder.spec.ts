// White-box tests of the chunked response decoder (lighttpd 1.4.69 http_chunk_decode_append_mem).
import { ChunkedDecoder } from './chunked-decoder';

const decode = (slices: string[]): { body: string; d: ChunkedDecoder } => {
  const d = new ChunkedDecoder();
  let body = '';
  for (const s of slices) for (const piece of d.execute(Buffer.from(s, 'latin1'))) body += piece.toString('latin1');
  return { body, d };
};

describe('ChunkedDecoder', () => {
  it('decodes sizes in hex with extensions, and reads the trailers to the end', () => {
    const { body, d } = decode(['5;ext=1\r\nhello\r\n1A\r\n', 'abcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n']);
    expect(body).toBe('helloabcdefghijklmnopqrstuvwxyz');
    expect([d.done, d.error]).toEqual([true, null]);
  });

  it('gives the same body whatever the slicing, one byte at a time included', () => {
    const wire = '3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n';
    const { body, d } = decode(wire.split(''));
    expect([body, d.done]).toEqual(['abc0123456789abcdef', true]);
  });

  it('is not done before the last chunk, and stops at bad framing', () => {
    expect(decode(['3\r\nabc\r\n']).d.done).toBe(false);
    expect(decode(['zz\r\n']).d.error).toMatch(/invalid chunk header/);
    expect(decode(['3\r\nabcX\r\n']).d.error).toMatch(/not followed by CRLF/);
  });
});
