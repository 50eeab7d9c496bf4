// access.format compiled as php-fpm's fpm_log.c reads it.
import { compileAccessFormat, strftime, type AccessEntry } from './access-format';

const start = new Date(2026, 10, 22, 16, 53, 11).getTime();
const entry = (over: Partial<AccessEntry> = {}): AccessEntry => ({
  params: new Map([
    ['REQUEST_METHOD', 'GET'],
    ['SCRIPT_NAME', '/app.js'],
    ['SCRIPT_FILENAME', '/srv/app.js'],
    ['REQUEST_URI', '/pretty/url?x=1'],
    ['QUERY_STRING', 'x=1'],
    ['CONTENT_LENGTH', '12'],
    ['HTTP_HOST', 'h.example'],
  ]),
  pool: 'www',
  remoteAddress: undefined,
  status: 200,
  responseHeaders: new Headers({ 'content-type': 'text/plain' }),
  startMs: start,
  endMs: start + 1500,
  cpuUserUs: 300000,
  cpuSystemUs: 150000,
  memory: 2 * 1048576,
  ...over,
});

describe('compileAccessFormat', () => {
  it("writes php-fpm's default format as php-fpm does for a unix-socket peer", () => {
    const line = compileAccessFormat('%R - %u %t "%m %r" %s')(entry());
    expect(line).toBe(`- -  ${strftime('%d/%b/%Y:%H:%M:%S %z', new Date(start))} "GET /app.js" 200`);
  });

  it('knows every specifier and its {argument}', () => {
    const line = compileAccessFormat(
      '%R|%f|%l|%m|%n|%q|%Q|%r|%s|%{seconds}d|%{mili}d|%{kilo}M|%{mega}M|%C|%{user}C|%{HTTP_HOST}e|%{Content-Type}o|%{%Y-%m-%d}t|%%',
    )(entry({ remoteAddress: '127.0.0.1' }));
    expect(line).toBe('127.0.0.1|/srv/app.js|12|GET|www|x=1|?|/app.js|200|1.500|1500.000|2048|2|30.00|20.00|h.example|text/plain|2026-11-22|%');
  });

  it("takes php-fpm 8.2's modifiers in any case, microseconds whole and memory rounded down, as php-fpm8.2 prints them", () => {
    const line = compileAccessFormat('%{milli}d|%{MILLISECONDS}d|%{micro}d|%{}d|%{KILO}M|%{Mega}M|%{bytes}M|%{User}C|done %')(
      entry({ endMs: start + 515, memory: 2 * 1048576 - 1 }),
    );
    expect(line).toBe('515.000|515.000|515000|0.515|2047|1|2097151|58.25|done ');
  });

  it.each([
    ['%e', 'the name of the environment variable must be set between embraces for %e'],
    ['%{}e', 'the name of the environment variable must be set between embraces for %e'],
    ['%o', 'the name of the header must be set between embraces for %o'],
    ['%{bogus}d', "only 'seconds', 'milli', 'milliseconds', 'micro' or 'microseconds' are allowed as a modifier for %d ('bogus')"],
    ['%{huge}M', "only 'bytes', 'kilo', 'kilobytes', 'mega' or 'megabytes' are allowed as a modifier for %M ('huge')"],
    ['%{constructor}d', "only 'seconds', 'milli', 'milliseconds', 'micro' or 'microseconds' are allowed as a modifier for %d ('constructor')"],
    ['%Z', 'Invalid token in the access.format (%Z)'],
    ['%{unclosed', 'missing closing embrace in the access.format'],
  ])("refuses %s with php-fpm's warning", (format, warning) => {
    expect(() => compileAccessFormat(format)).toThrow(expect.objectContaining({ code: 'FPM_ERR_ACCESS_FORMAT', message: warning }));
  });
});
