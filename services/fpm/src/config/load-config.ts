// Loads php-fpm.conf into a validated FpmConfig: fpm_conf.c's load (entry by entry, with
// file:line in every error), $pool expansion, then post-processing of each pool
// (fpm_conf_process_all_pools) with php-fpm's messages.
import fs from 'node:fs';
import path from 'node:path';
import { compileAccessFormat } from '../access-log/access-format';
import { accessLogUnopenable, badValue, errorLogUnopenable, noPools, poolInvalid, slowlogUnopenable, unknownEntry, type FpmError } from '../errors';
import { openLogFile } from '../log-file-open';
import { GLOBAL_DIRECTIVES, PHP_ONLY_KEYS, PHP_ONLY_PREFIXES, POOL_DIRECTIVES, globalDefaults, poolDefaults } from './directives';
import { readIni, type IniEntry } from './ini-reader';
import type { ConfigMessage, FpmConfig, GlobalConfig, PoolConfig } from './types';
import { parseValueOf, type ValueKind } from './values';

export interface LoadOptions {
  readonly prefix?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** php-fpm refuses pools without `user` when started as root (unless -R). */
  readonly requireUser?: boolean;
}

/** Throws an FpmError on the first problem, like php-fpm (which stops at the first bad entry). */
export function loadConfig(file: string, options: LoadOptions = {}): FpmConfig {
  const prefix = path.resolve(options.prefix ?? '/var');
  const messages: ConfigMessage[] = [];
  const entries = readIni(file, { prefix, env: options.env ?? process.env, warn: (text) => messages.push({ level: 'warn', text }) });
  const global = globalDefaults();
  const pools = new Map<string, PoolConfig>();

  for (const entry of entries) {
    if (entry.section === null || entry.section === 'global') {
      applyEntry(global as unknown as Record<string, unknown>, GLOBAL_DIRECTIVES, entry);
      continue;
    }
    let pool = pools.get(entry.section);
    if (!pool) {
      pool = poolDefaults(entry.section);
      pools.set(entry.section, pool);
    }
    applyPoolEntry(pool, entry, messages);
  }

  if (pools.size === 0) throw noPools();
  const resolvedGlobal = resolveGlobalPaths(global, prefix);
  // php-fpm opens error_log while post-processing, before the pools (so -t catches it too).
  if (resolvedGlobal.error_log !== 'syslog' && !STDERR_LOG_NAMES.has(resolvedGlobal.error_log)) {
    fs.closeSync(openLogFile(resolvedGlobal.error_log, errorLogUnopenable));
  }
  const processed = [...pools.values()].map((pool) => postProcessPool(pool, prefix, options.requireUser ?? false, messages));
  return Object.freeze({
    file: path.resolve(file),
    prefix,
    global: Object.freeze(resolvedGlobal),
    pools: Object.freeze(processed.map((p) => Object.freeze(p))),
    messages: Object.freeze(messages),
  });
}

function applyEntry(target: Record<string, unknown>, table: Readonly<Record<string, ValueKind>>, entry: IniEntry): void {
  const kind = table[entry.key];
  if (kind === undefined) throw unknownEntry(entry.file, entry.line, entry.key);
  const parsed = parseValueOf(kind, entry.value);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    throw badValue(entry.file, entry.line, entry.key, parsed.error);
  }
  target[entry.key] = parsed;
}

function applyPoolEntry(pool: PoolConfig, rawEntry: IniEntry, messages: ConfigMessage[]): void {
  // php-fpm expands $pool in pool values (listen = /run/php/$pool.sock).
  const entry = { ...rawEntry, value: rawEntry.value.split('$pool').join(pool.name) };
  const envMatch = /^env\[(.+)\]$/.exec(entry.key);
  if (envMatch?.[1] !== undefined) {
    pool.env[envMatch[1]] = entry.value;
    return;
  }
  // php-fpm 8.2's one array directive: each line adds a path.
  if (entry.key === 'access.suppress_path[]') {
    pool['access.suppress_path'].push(entry.value);
    return;
  }
  if (PHP_ONLY_KEYS.has(entry.key) || PHP_ONLY_PREFIXES.some((p) => entry.key.startsWith(p))) {
    messages.push({ level: 'warn', text: `[${entry.file}:${entry.line}] '${entry.key}' only applies to PHP and is ignored by fpm-ts` });
    return;
  }
  applyEntry(pool as unknown as Record<string, unknown>, POOL_DIRECTIVES, entry);
}

function absolute(prefix: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(prefix, p);
}

/** error_log values that mean the master's stderr (as container images set it), never opened as files. */
export const STDERR_LOG_NAMES: ReadonlySet<string> = new Set(['/dev/stderr', '/proc/self/fd/2']);

function resolveGlobalPaths(global: GlobalConfig, prefix: string): GlobalConfig {
  // fpm_conf_post_process: strcasecmp(error_log, "syslog") before the path is made absolute.
  const errorLog = global.error_log.toLowerCase() === 'syslog' ? 'syslog' : absolute(prefix, global.error_log);
  return { ...global, error_log: errorLog, pid: global.pid === null ? null : absolute(prefix, global.pid) };
}

const NOT_APPLIED = [
  ['pm.status_listen', "pm.status_path answers on the pool's own socket (a worker serves it while running other requests)"],
  ['listen.acl_users', 'use listen.owner, listen.group and listen.mode'],
  ['listen.acl_groups', 'use listen.owner, listen.group and listen.mode'],
] as const;

function postProcessPool(pool: PoolConfig, globalPrefix: string, requireUser: boolean, messages: ConfigMessage[]): PoolConfig {
  const fail = (detail: string): FpmError => poolInvalid(pool.name, detail);
  // fpm_conf_process_all_pools() logs these at ALERT, the rest at ERROR.
  const alert = (detail: string): FpmError => poolInvalid(pool.name, detail, 'alert');
  const prefix = pool.prefix ?? globalPrefix;
  if (pool.listen === null || pool.listen === '') throw alert('no listen address have been defined!');
  if (requireUser && pool.user === null && pool.program === null) throw alert('user has not been defined');
  if (pool['pm.max_children'] < 1) throw alert('pm.max_children must be a positive value');
  // Node cannot chroot(2) itself, and a chroot without Node's runtime inside cannot start it:
  // refuse rather than run unconfined. systemd's RootDirectory= does this job for the service.
  if (pool.chroot !== null) throw fail("'chroot' is not supported by fpm-ts; use systemd's RootDirectory= for the service");
  // php-fpm puts the prefix before a relative chdir too, then checks it.
  const chdir = pool.chdir === null || pool.chdir === '' ? null : absolute(prefix, pool.chdir);
  if (chdir !== null && !isDirectory(chdir)) throw fail(`the chdir path '${chdir}' does not exist or is not a directory`);

  if (pool.pm === 'dynamic') {
    const min = pool['pm.min_spare_servers'];
    const max = pool['pm.max_spare_servers'];
    const children = pool['pm.max_children'];
    if (min <= 0) throw alert(`pm.min_spare_servers(${min}) must be a positive value`);
    if (max <= 0) throw alert(`pm.max_spare_servers(${max}) must be a positive value`);
    if (min > children || max > children) {
      throw alert(`pm.min_spare_servers(${min}) and pm.max_spare_servers(${max}) cannot be greater than pm.max_children(${children})`);
    }
    if (max < min) throw alert(`pm.max_spare_servers(${max}) must not be less than pm.min_spare_servers(${min})`);
    if (pool['pm.start_servers'] === 0) {
      pool['pm.start_servers'] = min + Math.floor((max - min) / 2);
      messages.push({ level: 'notice', text: `[pool ${pool.name}] pm.start_servers is not set. It's been set to ${pool['pm.start_servers']}.` });
    } else if (pool['pm.start_servers'] < min || pool['pm.start_servers'] > max) {
      throw alert(`pm.start_servers(${pool['pm.start_servers']}) must not be less than pm.min_spare_servers(${min}) and not greater than pm.max_spare_servers(${max})`);
    }
  } else if (pool.pm === 'ondemand' && pool['pm.process_idle_timeout'] < 1) {
    throw alert(`pm.process_idle_timeout(${pool['pm.process_idle_timeout']}s) must be greater than 0s`);
  }
  if (pool['pm.max_spawn_rate'] < 1) throw alert('pm.max_spawn_rate must be a positive value');

  // Settings fpm-ts reads and does not apply: said at every load, so nobody relies on them unknowingly.
  for (const [key, instead] of NOT_APPLIED) {
    if (pool[key] !== null) messages.push({ level: 'warn', text: `[pool ${pool.name}] '${key}' is not applied by fpm-ts: ${instead}` });
  }
  for (const [key, what] of [['pm.status_path', 'status path'], ['ping.path', 'ping path']] as const) {
    const value = pool[key];
    if (value !== null && !value.startsWith('/')) throw fail(`the ${what} '${value}' must start with a '/'`);
  }
  if (pool['ping.path'] !== null && pool['ping.response'].length < 1) {
    throw fail(`the ping response page '${pool['ping.response']}' is not long enough`);
  }
  if (pool.request_slowlog_timeout > 0 && pool.slowlog === null) {
    throw fail("'slowlog' must be specified for use with 'request_slowlog_timeout'");
  }
  try {
    compileAccessFormat(pool['access.format']);
  } catch (err) {
    throw poolInvalid(pool.name, `wrong format for access.format '${pool['access.format']}'`, 'error', (err as Error).message);
  }
  for (const ext of pool['security.limit_extensions']) {
    if (!ext.startsWith('.')) throw fail(`security.limit_extensions: '${ext}' must start with a dot`);
  }

  // As php-fpm's post-processing (and so -t) does: the files must open (they are made if missing).
  const accessLog = pool['access.log'] === null ? null : absolute(prefix, pool['access.log']);
  const slowlog = pool.slowlog === null ? null : absolute(prefix, pool.slowlog);
  if (pool.program === null && accessLog !== null) fs.closeSync(openLogFile(accessLog, accessLogUnopenable));
  if (pool.program === null && slowlog !== null && pool.request_slowlog_timeout > 0) fs.closeSync(openLogFile(slowlog, slowlogUnopenable));

  return {
    ...pool,
    listen: pool.listen.startsWith('/') || /^[\d[]|^[a-z0-9.-]+:\d+$/i.test(pool.listen) ? pool.listen : absolute(prefix, pool.listen),
    'access.log': accessLog,
    slowlog,
    chdir,
  };
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
