// `fpm-ts -tt`: the configuration as it will be used, in php-fpm's fpm_conf_dump() layout (one
// notice line per setting, a tab before each, " " after each section). Values are fpm-ts's
// effective ones: where php-fpm prints "undefined" for an unset setting it fills in later
// (listen.mode, access.format), this prints what will be used. Settings of our own follow php-fpm's.
import { SYSLOG_FACILITIES } from '@libs/log';
import type { FpmConfig, GlobalConfig, PoolConfig } from './types';

/** php-fpm's "The event mechanism": libuv's on Linux. */
const EVENTS_MECHANISM = 'epoll';

const str = (value: string | null): string => value ?? 'undefined';
const bool = (value: boolean): string => (value ? 'yes' : 'no');
const int = (value: number | null): string => String(value ?? 0);
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

function globalLines(g: Readonly<GlobalConfig>): string[] {
  return [
    '[global]',
    `\tpid = ${str(g.pid)}`,
    `\terror_log = ${g.error_log}`,
    `\tsyslog.ident = ${g['syslog.ident']}`,
    // php-fpm prints the number openlog() gets (LOG_DAEMON is 24).
    `\tsyslog.facility = ${SYSLOG_FACILITIES[g['syslog.facility']] << 3}`,
    `\tlog_buffering = ${bool(g.log_buffering)}`,
    `\tlog_level = ${g.log_level.toUpperCase()}`,
    `\tlog_limit = ${g.log_limit}`,
    `\temergency_restart_interval = ${g.emergency_restart_interval}s`,
    `\temergency_restart_threshold = ${g.emergency_restart_threshold}`,
    `\tprocess_control_timeout = ${g.process_control_timeout}s`,
    `\tprocess.max = ${g['process.max']}`,
    `\tprocess.priority = ${g['process.priority'] ?? 'undefined'}`,
    `\tdaemonize = ${bool(g.daemonize)}`,
    `\trlimit_files = ${int(g.rlimit_files)}`,
    `\trlimit_core = ${int(g.rlimit_core)}`,
    `\tevents.mechanism = ${EVENTS_MECHANISM}`,
    `\tsystemd_interval = ${g.systemd_interval}s`,
    ' ',
  ];
}

function poolLines(p: Readonly<PoolConfig>): string[] {
  return [
    `[${p.name}]`,
    `\tprefix = ${str(p.prefix)}`,
    `\tuser = ${str(p.user)}`,
    `\tgroup = ${str(p.group)}`,
    `\tlisten = ${str(p.listen)}`,
    `\tlisten.backlog = ${p['listen.backlog']}`,
    `\tlisten.acl_users = ${str(p['listen.acl_users'])}`,
    `\tlisten.acl_groups = ${str(p['listen.acl_groups'])}`,
    `\tlisten.owner = ${str(p['listen.owner'])}`,
    `\tlisten.group = ${str(p['listen.group'])}`,
    `\tlisten.mode = ${octal(p['listen.mode'])}`,
    `\tlisten.allowed_clients = ${p['listen.allowed_clients']?.join(',') ?? 'undefined'}`,
    `\tprocess.priority = ${p['process.priority'] ?? 'undefined'}`,
    `\tprocess.dumpable = ${bool(p['process.dumpable'])}`,
    `\tpm = ${p.pm}`,
    `\tpm.max_children = ${p['pm.max_children']}`,
    `\tpm.start_servers = ${p['pm.start_servers']}`,
    `\tpm.min_spare_servers = ${p['pm.min_spare_servers']}`,
    `\tpm.max_spare_servers = ${p['pm.max_spare_servers']}`,
    `\tpm.max_spawn_rate = ${p['pm.max_spawn_rate']}`,
    // Without the "s": php-fpm prints it so.
    `\tpm.process_idle_timeout = ${p['pm.process_idle_timeout']}`,
    `\tpm.max_requests = ${p['pm.max_requests']}`,
    `\tpm.status_path = ${str(p['pm.status_path'])}`,
    `\tpm.status_listen = ${str(p['pm.status_listen'])}`,
    `\tping.path = ${str(p['ping.path'])}`,
    `\tping.response = ${p['ping.response']}`,
    `\taccess.log = ${str(p['access.log'])}`,
    `\taccess.format = ${p['access.format']}`,
    // Last written first, as env[] below.
    ...[...p['access.suppress_path']].reverse().map((path) => `\taccess.suppress_path[] = ${path}`),
    `\tslowlog = ${str(p.slowlog)}`,
    `\trequest_slowlog_timeout = ${p.request_slowlog_timeout}s`,
    `\trequest_slowlog_trace_depth = ${p.request_slowlog_trace_depth}`,
    `\trequest_terminate_timeout = ${p.request_terminate_timeout}s`,
    `\trequest_terminate_timeout_track_finished = ${bool(p.request_terminate_timeout_track_finished)}`,
    `\trlimit_files = ${int(p.rlimit_files)}`,
    `\trlimit_core = ${int(p.rlimit_core)}`,
    `\tchroot = ${str(p.chroot)}`,
    `\tchdir = ${str(p.chdir)}`,
    `\tcatch_workers_output = ${bool(p.catch_workers_output)}`,
    `\tdecorate_workers_output = ${bool(p.decorate_workers_output)}`,
    `\tclear_env = ${bool(p.clear_env)}`,
    `\tsecurity.limit_extensions = ${p['security.limit_extensions'].join(' ')}`,
    // Last written first: php-fpm keeps them in a list it prepends to.
    ...Object.entries(p.env).reverse().map(([name, value]) => `\tenv[${name}] = ${value}`),
    `\tprogram = ${str(p.program)}`,
    `\tprogram.args = ${p['program.args'].join(' ') || 'undefined'}`,
    `\thandler.revalidate_freq = ${p['handler.revalidate_freq']}s`,
    ' ',
  ];
}

/** The lines php-fpm -tt logs at notice, before "configuration file ... test is successful". */
export function dumpConfig(config: FpmConfig): string[] {
  return [...globalLines(config.global), ...config.pools.flatMap(poolLines)];
}
