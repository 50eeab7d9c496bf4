// Unit tests of server socket address parsing and comparison (lighttpd network.c address forms).
import { formatSocketAddress, parseSocketAddress, sameSocketAddress } from './socket-address';

test('parses the address forms lighttpd accepts', () => {
  expect(parseSocketAddress('127.0.0.1:8080')).toEqual({ kind: 'inet', family: 'IPv4', address: '127.0.0.1', port: 8080 });
  expect(parseSocketAddress('[::1]:0')).toEqual({ kind: 'inet', family: 'IPv6', address: '::1', port: 0 });
  expect(parseSocketAddress(':80')).toEqual({ kind: 'inet', family: 'IPv4', address: '0.0.0.0', port: 80 });
  expect(parseSocketAddress('/run/web.sock')).toEqual({ kind: 'unix', path: '/run/web.sock' });
  expect(formatSocketAddress(parseSocketAddress('[::1]:81'))).toBe('[::1]:81');
});

test.each(['localhost:80', '127.0.0.1', '127.0.0.1:99999', '[::1]80', 'web.sock'])('rejects %s with a catalogued error', (text) => {
  expect(() => parseSocketAddress(text)).toThrow(expect.objectContaining({ code: 'FDEVENT_ERR_ADDRESS_INVALID' }));
});

test('compares local addresses as getsockname() would report them', () => {
  expect(sameSocketAddress(parseSocketAddress('[0:0::1]:80'), parseSocketAddress('[::1]:80'))).toBe(true);
  expect(sameSocketAddress(parseSocketAddress('127.0.0.1:80'), parseSocketAddress('127.0.0.1:81'))).toBe(false);
  expect(sameSocketAddress(parseSocketAddress('/a.sock'), parseSocketAddress('127.0.0.1:81'))).toBe(false);
  expect(sameSocketAddress(parseSocketAddress('/a.sock'), parseSocketAddress('/a.sock'))).toBe(true);
});
