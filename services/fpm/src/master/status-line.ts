// The STATUS= line php-fpm sends systemd every systemd_interval (fpm_systemd.c), with C's "%.3g"
// for the request rate so the text matches php-fpm's byte for byte.

/** printf("%.3g", n) for the non-negative rates we print. */
export function formatG3(n: number): string {
  if (!Number.isFinite(n) || n === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(n)));
  const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= 3) {
    const [mantissa = '0', exp = '0'] = n.toExponential(2).split('e');
    const e = Number(exp);
    return `${trim(mantissa)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return trim(n.toFixed(Math.max(0, 2 - exponent)));
}

export interface StatusTotals {
  readonly active: number;
  readonly idle: number;
  readonly requests: number;
  readonly slow: number;
}

export function systemdStatusLine(t: StatusTotals, requestsPerSecond: number): string {
  return `Processes active: ${t.active}, idle: ${t.idle}, Requests: ${t.requests}, slow: ${t.slow}, Traffic: ${formatG3(requestsPerSecond)}req/sec`;
}
