// Tests of getopt-style flag parsing (lighttpd's "f:m:i:hvVD1pt").
import { parseArgs, type CliOptions } from './args';

function options(argv: string[]): CliOptions {
  const r = parseArgs(argv);
  if (!r.ok || r.request.action !== 'run') throw new Error(`unexpected ${JSON.stringify(r)}`);
  return r.request.options;
}

describe('parseArgs', () => {
  it('reads values attached or in the next word, and clustered flags', () => {
    expect(options(['-Dtt', '-f/etc/h.conf', '-m', '/mods', '-i', '30'])).toEqual({
      configFile: '/etc/h.conf',
      moduleDir: '/mods',
      printConfig: false,
      test: 2,
      foreground: true,
      idleTimeout: 30,
      oneShot: false,
    });
    expect(options(['-pf', 'x.conf'])).toMatchObject({ printConfig: true, configFile: 'x.conf' });
  });

  it('-1 implies -D', () => {
    expect(options(['-1', '-f', 'x'])).toMatchObject({ oneShot: true, foreground: true });
  });

  it('answers -h, -v and -V at once, whichever comes first', () => {
    expect(parseArgs(['-v', '-h'])).toEqual({ ok: true, request: { action: 'version' } });
    expect(parseArgs(['-f', 'x', '-V'])).toEqual({ ok: true, request: { action: 'features' } });
  });

  it('reports unknown flags and missing values with stable codes', () => {
    const bad = parseArgs(['-q']);
    expect(bad.ok === false && bad.error.code).toBe('HTTPD_ERR_CLI_USAGE');
    const missing = parseArgs(['-f']);
    expect(missing.ok === false && missing.error.message).toBe("option requires an argument -- 'f'");
    const idle = parseArgs(['-i', '-3']);
    expect(idle.ok === false && idle.error.message).toBe('Invalid idle timeout value: -3');
  });
});
