// White-box tests of the upstream line formats (php-fpm zlog.c, lighttpd log.c) and journal prefixes.
import { createLineFormatter } from './line-format';

const at = new Date(2026, 10, 22, 16, 5, 0, 42);

describe('createLineFormatter', () => {
  it('writes php-fpm lines: [dd-Mon-yyyy HH:MM:SS] LEVEL: msg', () => {
    const f = createLineFormatter({ style: 'fpm', journal: false });
    expect(f('notice', 'fpm is running, pid 123', undefined, at)).toBe('[22-Nov-2026 16:05:00] NOTICE: fpm is running, pid 123\n');
    expect(f('warn', 'w', undefined, at)).toBe('[22-Nov-2026 16:05:00] WARNING: w\n');
    expect(f('error', 'e', undefined, at)).toBe('[22-Nov-2026 16:05:00] ERROR: e\n');
  });

  it('adds microseconds like php-fpm at log_level debug', () => {
    const f = createLineFormatter({ style: 'fpm', journal: false, microseconds: true });
    expect(f('debug', 'd', undefined, at)).toBe('[22-Nov-2026 16:05:00.042000] DEBUG: d\n');
  });

  it('writes lighttpd lines with and without the (source) part', () => {
    const f = createLineFormatter({ style: 'lighttpd', journal: false });
    expect(f('notice', 'server started', 'server.c.1234', at)).toBe('2026-11-22 16:05:00: (server.c.1234) server started\n');
    expect(f('error', 'no source', undefined, at)).toBe('2026-11-22 16:05:00: no source\n');
  });

  it('re-renders the cached timestamp when the second changes', () => {
    const f = createLineFormatter({ style: 'lighttpd', journal: false });
    f('info', 'a', undefined, at);
    expect(f('info', 'b', undefined, new Date(2026, 10, 22, 16, 5, 1))).toBe('2026-11-22 16:05:01: b\n');
  });

  it('for the journal drops the timestamp and prefixes the sd-daemon priority', () => {
    const fpm = createLineFormatter({ style: 'fpm', journal: true });
    const lt = createLineFormatter({ style: 'lighttpd', journal: true });
    expect(fpm('error', 'e')).toBe('<3>ERROR: e\n');
    expect(fpm('warn', 'w')).toBe('<4>WARNING: w\n');
    expect(fpm('notice', 'n')).toBe('<5>NOTICE: n\n');
    expect(lt('info', 'server started', 'server.c.1234')).toBe('<6>(server.c.1234) server started\n');
    expect(lt('debug', 'd')).toBe('<7>d\n');
    expect(fpm('notice', 'two\nlines')).toBe('<5>NOTICE: two\n<5>lines\n');
  });
});
