import { encodeScgiHead } from './scgi-request';

const ENV = [
  ['CONTENT_LENGTH', '5'],
  ['REQUEST_METHOD', 'POST'],
  ['HTTP_X', 'caf\u00e9'],
] as const;

describe('encodeScgiHead', () => {
  it('scgi: a netstring of NUL-terminated pairs, CONTENT_LENGTH first and SCGI=1 last, as mod_scgi.c', () => {
    const h = encodeScgiHead('scgi', ENV);
    const pairs = 'CONTENT_LENGTH\x005\x00REQUEST_METHOD\x00POST\x00HTTP_X\x00caf\u00e9\x00SCGI\x001\x00';
    expect(h).toEqual({ kind: 'head', bytes: Buffer.from(`${pairs.length}:${pairs},`, 'latin1') });
  });

  it('uwsgi: modifier1 0, the little-endian size, modifier2 0, then length-prefixed names and values', () => {
    const h = encodeScgiHead('uwsgi', [['AB', 'xyz']]);
    expect(h).toEqual({ kind: 'head', bytes: Buffer.from([0, 9, 0, 0, 2, 0, 0x41, 0x42, 3, 0, 0x78, 0x79, 0x7a]) });
  });

  it('uwsgi: a value past 64 KiB is 400, pairs past 64 KiB together are 431', () => {
    expect(encodeScgiHead('uwsgi', [['A', 'x'.repeat(65536)]])).toEqual({ kind: 'error', status: 400 });
    const many = Array.from({ length: 40 }, (_, i) => [`H${i}`, 'x'.repeat(2000)] as const);
    expect(encodeScgiHead('uwsgi', many)).toEqual({ kind: 'error', status: 431 });
    // the same for scgi has no limit
    expect(encodeScgiHead('scgi', many).kind).toBe('head');
  });
});
