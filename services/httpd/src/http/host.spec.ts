// White-box tests of the Host policy (lighttpd 1.4.69 src/request.c request_check_hostname and
// http_request_host_normalize; the 400s are also checked against lighttpd by the HTTP corpus).
import { normalizeHost } from './host';

describe('normalizeHost', () => {
  it.each([
    ['a:99999'],
    ['a:65536'],
    ['a:0'],
    ['a:00'],
    ['a:080'],
    ['a:0x50'],
    ['[::1]:99999'],
    ['[::1]:0'],
    ['[1:2]'],
    ['[]'],
    ['[]:80'],
  ])('refuses %s (lighttpd: 400)', (host) => {
    expect(normalizeHost(host)).toBeUndefined();
  });

  it.each([
    ['A.Example', 'a.example'],
    ['a.example.:8080', 'a.example:8080'],
    ['a:65535', 'a:65535'],
    ['a:80', 'a'],
    ['a:', 'a'],
    ['a:010', 'a:8'],
    ['a:0100', 'a:64'],
    ['10.0.0.1:0120', '10.0.0.1'],
    ['[::1]', '[::1]'],
    ['[::1]:80', '[::1]'],
    ['[::1]:', '[::1]'],
    ['[0:0::1]:8080', '[::1]:8080'],
    ['[FE80::A]', '[fe80::a]'],
  ])('keeps %s as lighttpd does: %s', (host, want) => {
    expect(normalizeHost(host)).toBe(want);
  });

  it('drops the port of the connection scheme only', () => {
    expect(normalizeHost('a:443', 443)).toBe('a');
    expect(normalizeHost('a:80', 443)).toBe('a:80');
  });
});
