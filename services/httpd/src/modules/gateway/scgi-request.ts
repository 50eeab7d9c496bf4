// The request head mod_scgi sends before the body (lighttpd 1.4.69 src/mod_scgi.c scgi_create_env):
// the CGI environment, CONTENT_LENGTH first, framed as
//  - SCGI (https://python.ca/scgi/protocol.txt): a netstring "<len>:" of "NAME\0value\0" pairs with
//    "SCGI" "1" appended last, then ",";
//  - uwsgi (https://uwsgi-docs.readthedocs.io/en/latest/Protocol.html): the packet header
//    modifier1 = 0, a 16-bit little-endian size, modifier2 = 0, then each name and value after its
//    own 16-bit little-endian length.
// Names and values are latin1 strings of bytes, as the request carries them. Pure: no I/O.

export type ScgiProtocol = 'scgi' | 'uwsgi';

export type ScgiHead =
  | { readonly kind: 'head'; readonly bytes: Buffer }
  /** lighttpd's answer instead: 400 (a name or value past 64 KiB for uwsgi), 431 (uwsgi pairs past 64 KiB). */
  | { readonly kind: 'error'; readonly status: number };

const USHRT_MAX = 0xffff;

export function encodeScgiHead(protocol: ScgiProtocol, env: ReadonlyArray<readonly [string, string]>): ScgiHead {
  return protocol === 'scgi' ? encodeScgi(env) : encodeUwsgi(env);
}

/** scgi_env_add_scgi for each pair, "SCGI" "1" last, inside the netstring. */
function encodeScgi(env: ReadonlyArray<readonly [string, string]>): ScgiHead {
  let body = '';
  for (const [name, value] of [...env, ['SCGI', '1'] as const]) body += `${name}\0${value}\0`;
  return { kind: 'head', bytes: Buffer.from(`${Buffer.byteLength(body, 'latin1')}:${body},`, 'latin1') };
}

/** scgi_env_add_uwsgi for each pair, behind the 4-byte packet header. */
function encodeUwsgi(env: ReadonlyArray<readonly [string, string]>): ScgiHead {
  const parts: Buffer[] = [];
  let size = 0;
  for (const [name, value] of env) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    // http_cgi_headers fails: lighttpd answers 400
    if (n.length > USHRT_MAX || v.length > USHRT_MAX) return { kind: 'error', status: 400 };
    const pair = Buffer.allocUnsafe(4 + n.length + v.length);
    pair.writeUInt16LE(n.length, 0);
    n.copy(pair, 2);
    pair.writeUInt16LE(v.length, 2 + n.length);
    v.copy(pair, 4 + n.length);
    parts.push(pair);
    size += pair.length;
  }
  if (size > USHRT_MAX) return { kind: 'error', status: 431 };
  const header = Buffer.from([0, size & 0xff, size >> 8, 0]);
  return { kind: 'head', bytes: Buffer.concat([header, ...parts]) };
}
