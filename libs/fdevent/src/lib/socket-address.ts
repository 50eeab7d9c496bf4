// Server socket addresses as lighttpd writes them in server.bind / $SERVER["socket"]
// (src/network.c network_host_parse_addr): "host:port", "[v6]:port", ":port", "/path/unix.sock".
import net from 'node:net';
import { fdeventErrAddressInvalid } from './errors';

export type SocketAddress =
  | { readonly kind: 'inet'; readonly family: 'IPv4' | 'IPv6'; readonly address: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export function parseSocketAddress(text: string): SocketAddress {
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') throw fdeventErrAddressInvalid(text, 'expected [address]:port');
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw fdeventErrAddressInvalid(text, 'expected host:port or an absolute unix socket path');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw fdeventErrAddressInvalid(text, 'port is not a number in 0..65535');
  // ":port" listens on every IPv4 address, as lighttpd does for an empty host
  if (host === '') host = '0.0.0.0';
  const family = net.isIP(host);
  if (family === 0) throw fdeventErrAddressInvalid(text, 'host must be a numeric IPv4 or IPv6 address');
  return { kind: 'inet', family: family === 6 ? 'IPv6' : 'IPv4', address: host, port: Number(portText) };
}

export function formatSocketAddress(a: SocketAddress): string {
  if (a.kind === 'unix') return a.path;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Same local address, as lighttpd compares getsockname() of an inherited socket with a configured one. */
export function sameSocketAddress(a: SocketAddress, b: SocketAddress): boolean {
  if (a.kind === 'unix' || b.kind === 'unix') return a.kind === b.kind && (a as { path: string }).path === (b as { path: string }).path;
  return a.family === b.family && a.port === b.port && normalizeIp(a.address) === normalizeIp(b.address);
}

function normalizeIp(ip: string): string {
  if (net.isIPv6(ip)) {
    const sa = new net.SocketAddress({ address: ip, family: 'ipv6' });
    return sa.address;
  }
  return ip;
}
