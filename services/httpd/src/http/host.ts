// Host validation for the Host header and absolute-form authorities: lighttpd 1.4.69's
// request_check_hostname (src/request.c, "host-strict", on by default) plus its trailing-dot strip.

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
 * Validates `hostport` (RFC 3986 host with optional port) the way lighttpd's host-strict does and
 * returns it lower-cased with a trailing dot removed, or undefined when lighttpd answers 400.
 */
export function normalizeHost(hostport: string): string | undefined {
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
    if (i >= len) return undefined;
    if (i + 1 < len && (hostport.charCodeAt(i + 1) !== COLON || !allDigits(hostport, i + 2, len))) return undefined;
    return hostport.toLowerCase();
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
  return host.toLowerCase();
}
