// White-box tests of the php-fpm.conf loader: INI dialect, includes, $pool, defaults, errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './load-config';
import { thrownCode } from '@libs/testing';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-conf-'));
  // error_log defaults to log/fpm-ts.log under the prefix, and post-processing opens it.
  fs.mkdirSync(path.join(dir, 'log'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('reads global and pool settings with time suffixes, booleans, env[] and $pool', () => {
    const file = write(
      'fpm.conf',
      [
        '; comment',
        '[global]',
        'pid = run/fpm.pid',
        'emergency_restart_interval = 1m',
        'process_control_timeout = 10s',
        'daemonize = no',
        '[www]',
        'listen = /run/fpm-$pool.sock',
        'pm = static',
        'pm.max_children = 4',
        'request_terminate_timeout = 2h',
        'catch_workers_output = yes',
        'env[GREETING] = "hello ${TEST_NAME}"',
        'env[PATH] = /usr/bin:/bin',
      ].join('\n'),
    );
    const config = loadConfig(file, { prefix: dir, env: { TEST_NAME: 'world' } });
    expect(config.global.pid).toBe(path.join(dir, 'run/fpm.pid'));
    expect(config.global.emergency_restart_interval).toBe(60);
    expect(config.global.process_control_timeout).toBe(10);
    expect(config.global.daemonize).toBe(false);
    const pool = config.pools[0];
    expect(pool?.name).toBe('www');
    expect(pool?.listen).toBe('/run/fpm-www.sock');
    expect(pool?.request_terminate_timeout).toBe(7200);
    expect(pool?.catch_workers_output).toBe(true);
    expect(pool?.env).toEqual({ GREETING: 'hello world', PATH: '/usr/bin:/bin' });
    expect(pool?.['security.limit_extensions']).toEqual(['.js', '.mjs', '.cjs']);
  });

  it('follows include globs in order and merges repeated pool sections', () => {
    write('pool.d/b.conf', '[b]\nlisten = 9001\npm = ondemand\npm.max_children = 2\n');
    write('pool.d/a.conf', '[a]\nlisten = 9000\npm = static\npm.max_children = 1\n[a]\npm.max_children = 3\n');
    const file = write('fpm.conf', `[global]\ninclude = ${dir}/pool.d/*.conf\n`);
    const config = loadConfig(file, { prefix: dir });
    expect(config.pools.map((p) => [p.name, p['pm.max_children']])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });

  it('fills pm.start_servers for dynamic pools as php-fpm does, and says so', () => {
    const file = write('fpm.conf', '[www]\nlisten=9000\npm=dynamic\npm.max_children=5\npm.min_spare_servers=1\npm.max_spare_servers=3\n');
    const config = loadConfig(file, { prefix: dir });
    expect(config.pools[0]?.['pm.start_servers']).toBe(2);
    expect(config.messages).toContainEqual({ level: 'notice', text: "[pool www] pm.start_servers is not set. It's been set to 2." });
  });

  it('says at every load which settings it reads and does not apply', () => {
    const file = write('fpm.conf', '[www]\nlisten=9000\npm=static\npm.max_children=1\npm.status_listen = 127.0.0.1:9001\nlisten.acl_users = www-data\n');
    expect(loadConfig(file, { prefix: dir }).messages.map((m) => `${m.level}: ${m.text}`)).toEqual([
      "warn: [pool www] 'pm.status_listen' is not applied by fpm-ts: pm.status_path answers on the pool's own socket (a worker serves it while running other requests)",
      "warn: [pool www] 'listen.acl_users' is not applied by fpm-ts: use listen.owner, listen.group and listen.mode",
    ]);
  });

  it('accepts PHP-only directives with a warning naming file and line', () => {
    const file = write('fpm.conf', '[www]\nlisten=9000\npm=static\npm.max_children=1\nphp_admin_value[memory_limit] = 64M\n');
    const config = loadConfig(file, { prefix: dir });
    expect(config.messages).toEqual([{ level: 'warn', text: `[${file}:5] 'php_admin_value[memory_limit]' only applies to PHP and is ignored by fpm-ts` }]);
  });

  it.each([
    ['unknown entry', '[www]\nlisten=9000\nfoo=bar\n', 'FPM_ERR_CONFIG_UNKNOWN_ENTRY'],
    ['bad number', '[www]\nlisten=9000\npm.max_children=abc\n', 'FPM_ERR_CONFIG_VALUE'],
    ['bad suffix', '[www]\nlisten=9000\nrequest_terminate_timeout=5x\n', 'FPM_ERR_CONFIG_VALUE'],
    ['unterminated section', '[www\nlisten=9000\n', 'FPM_ERR_CONFIG_SYNTAX'],
    ['no pools', '[global]\ndaemonize=no\n', 'FPM_ERR_NO_POOLS'],
    ['no listen', '[www]\npm=static\npm.max_children=1\n', 'FPM_ERR_POOL_INVALID'],
    ['include matching nothing', `[global]\ninclude=/nonexistent-dir-fpm/*.conf\n`, 'FPM_ERR_CONFIG_INCLUDE'],
  ])('rejects %s with a catalogued error', (_name, text, code) => {
    const file = write('fpm.conf', text);
    expect(thrownCode(() => loadConfig(file, { prefix: dir }))).toBe(code);
  });

  it('names the included file and line in errors', () => {
    write('pool.d/www.conf', '[www]\nlisten = 9000\n\npm.max_children = many\n');
    const file = write('fpm.conf', `include=${dir}/pool.d/*.conf\n`);
    expect(() => loadConfig(file, { prefix: dir })).toThrow(
      `[${dir}/pool.d/www.conf:4] unable to parse value for entry 'pm.max_children': is not a valid number (greater or equal than zero)`,
    );
  });

  it('takes error_log = syslog in any case, with syslog.ident and a facility name in any case', () => {
    const file = write('fpm.conf', '[global]\nerror_log = SysLog\nsyslog.ident = fpm-www\nsyslog.facility = LOCAL3\n[www]\nlisten=9000\npm=static\npm.max_children=1\n');
    const { global } = loadConfig(file, { prefix: dir });
    expect([global.error_log, global['syslog.ident'], global['syslog.facility']]).toEqual(['syslog', 'fpm-www', 'local3']);
  });

  it('defaults to syslog.ident fpm-ts and facility daemon', () => {
    const { global } = loadConfig(write('fpm.conf', '[www]\nlisten=9000\npm=static\npm.max_children=1\n'), { prefix: dir });
    expect([global['syslog.ident'], global['syslog.facility']]).toEqual(['fpm-ts', 'daemon']);
  });

  it('puts the prefix before a relative chdir, as php-fpm does, and checks that it is a directory', () => {
    fs.mkdirSync(path.join(dir, 'srv'));
    const pool = (chdir: string): string => `[www]\nlisten=9000\npm=static\npm.max_children=1\nchdir = ${chdir}\n`;
    expect(loadConfig(write('fpm.conf', pool('srv')), { prefix: dir }).pools[0]?.chdir).toBe(path.join(dir, 'srv'));
    expect(() => loadConfig(write('fpm.conf', pool('missing')), { prefix: dir })).toThrow(
      `[pool www] the chdir path '${path.join(dir, 'missing')}' does not exist or is not a directory`,
    );
  });

  it("rejects an unknown syslog.facility with php-fpm's words, the file and the line", () => {
    const file = write('fpm.conf', '[global]\nerror_log = syslog\nsyslog.facility = LOG_LOCAL3\n[www]\nlisten=9000\n');
    expect(() => loadConfig(file, { prefix: dir })).toThrow(
      expect.objectContaining({ code: 'FPM_ERR_CONFIG_VALUE', message: `[${file}:3] unable to parse value for entry 'syslog.facility': invalid value` }),
    );
  });
});
