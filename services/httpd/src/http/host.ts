// Host validation for the Host header and absolute-form authorities: lighttpd 1.4.69's
// http_request_host_policy (src/request.c) with its defaults: request_check_hostname ("host-strict")
// then http_request_host_normalize (port range, port canonical form, IPv6 literal canonical form).
import { SocketAddress } from 'node:net';

const DOT = 0x2e;
const COLON = 0x3a;
const DASH = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

function isHex(c: number): boolean {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * The port after a host, as lighttpd reads it: strtol(s, &e, 0), so a leading 0 is octal ("010" is
 * 8, "080" is invalid), and it must be 1 ... 65535 (USHRT_MAX); host-strict already allowed only
 * digits. undefined when lighttpd answers 400.
 */
function parsePort(digits: string): number | undefined {
  const octal = digits.length > 1 && digits.charCodeAt(0) === 0x30;
  if (octal && !/^[0-7]+$/.test(digits)) return undefined;
  const port = parseInt(digits, octal ? 8 : 10);
  return port > 0 && port <= 0xffff ? port : undefined;
}

/** ":port" as lighttpd keeps it: dropped when empty or the scheme's default, else in decimal. */
function portSuffix(digits: string, schemePort: number): string | undefined {
  if (digits === '') return '';
  const port = parsePort(digits);
  if (port === undefined) return undefined;
  return port === schemePort ? '' : ':' + port;
}

/**
 * Validates `hostport` (RFC 3986 host with optional port) the way lighttpd's default host policy
 * does and returns it normalized (lower-cased, trailing dot and default port removed, port in
 * decimal, IPv6 literal in inet_ntop form), or undefined when lighttpd answers 400.
 * `schemePort` is the default port of the connection's scheme (80 for http).
 */
export function normalizeHost(hostport: string, schemePort = 80): string | undefined {
  // the same few Host values arrive over and over: remember their answers (a pure function)
  if (schemePort !== 80) return normalizeUncached(hostport, schemePort);
  const known = seen.get(hostport);
  if (known !== undefined) return known === INVALID ? undefined : known;
  const result = normalizeUncached(hostport, schemePort);
  if (seen.size >= SEEN_LIMIT) seen.clear();
  seen.set(hostport, result ?? INVALID);
  return result;
}

const SEEN_LIMIT = 1024;
/** A marker for "answered 400" (no valid host contains a space). */
const INVALID = ' ';
const seen = new Map<string, string>();

function normalizeUncached(hostport: string, schemePort: number): string | undefined {
  const len = hostport.length;
  if (len === 0) return undefined;
  if (hostport.charCodeAt(0) === 0x5b) {
    // IPv6 literal: hex digits, ':' (at most 7) and '.' inside the brackets, then only a port.
    let colons = 0;
    let i = 1;
    for (; i < len; i++) {
      const c = hostport.charCodeAt(i);
      if (c === 0x5d) break;
      if (c === COLON) {
        if (++colons > 7) return undefined;
      } else if (!isHex(c) && c !== DOT) return undefined;
    }
    if (i >= len || i === 1) return undefined;
    if (i + 1 < len && (hostport.charCodeAt(i + 1) !== COLON || !allDigits(hostport, i + 2, len))) return undefined;
    const port = portSuffix(hostport.slice(i + 2), schemePort);
    if (port === undefined) return undefined;
    // inet_pton refuses what the character check let through ("[1:2]"); inet_ntop's form is kept.
    let address: string;
    try {
      address = new SocketAddress({ address: hostport.slice(1, i), family: 'ipv6' }).address;
    } catch {
      return undefined;
    }
    return '[' + address + ']' + port;
  }
  const colon = hostport.indexOf(':');
  let hostEnd = colon === -1 ? len : colon;
  if (colon !== -1 && !allDigits(hostport, colon + 1, len)) return undefined;
  let host = hostport;
  if (hostEnd > 0 && hostport.charCodeAt(hostEnd - 1) === DOT) {
    host = hostport.slice(0, hostEnd - 1) + hostport.slice(hostEnd);
    hostEnd -= 1;
  }
  if (hostEnd === 0) return undefined;
  // Labels: alphanumerics and '-', none empty, none starting with '-'. A name whose last label
  // is all digits is an IPv4 address and then needs exactly four all-digit labels.
  let labels = 0;
  let labelStart = 0;
  let lastLabelDigits = false;
  let allLabelsDigits = true;
  for (let i = 0; i <= hostEnd; i++) {
    const c = i === hostEnd ? DOT : host.charCodeAt(i);
    if (c === DOT) {
      if (i === labelStart) return undefined;
      labels++;
      lastLabelDigits = allDigits(host, labelStart, i);
      if (!lastLabelDigits) allLabelsDigits = false;
      labelStart = i + 1;
    } else if (i === labelStart) {
      if (!isAlnum(c)) return undefined;
    } else if (c !== DASH && !isAlnum(c)) {
      return undefined;
    }
  }
  if (labels > 1 && lastLabelDigits && (!allLabelsDigits || labels !== 4)) return undefined;
  // (lighttpd also rewrites an IPv4 literal through inet_pton/inet_ntop; after the check above that
  // leaves every address it accepts unchanged.)
  const port = colon === -1 ? '' : portSuffix(host.slice(hostEnd + 1), schemePort);
  if (port === undefined) return undefined;
  return host.slice(0, hostEnd).toLowerCase() + port;
}
