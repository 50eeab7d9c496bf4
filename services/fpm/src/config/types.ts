// The parsed php-fpm.conf: php-fpm 8.2's [global] and pool settings (fpm_conf.h), plus what
// fpm-ts adds for its own workers (program, handler.revalidate_freq). Durations are seconds.
import type { SyslogFacility } from '@libs/log';

export type LogLevel = 'alert' | 'error' | 'warning' | 'notice' | 'debug';
export type PmStyle = 'static' | 'dynamic' | 'ondemand';

export interface GlobalConfig {
  pid: string | null;
  /** A path, or 'syslog' (php-fpm compares it without regard to case). */
  error_log: string;
  /** php-fpm's default is "php-fpm"; ours names our command. */
  'syslog.ident': string;
  'syslog.facility': SyslogFacility;
  log_level: LogLevel;
  log_limit: number;
  log_buffering: boolean;
  emergency_restart_threshold: number;
  emergency_restart_interval: number;
  process_control_timeout: number;
  'process.max': number;
  'process.priority': number | null;
  daemonize: boolean;
  rlimit_files: number | null;
  rlimit_core: number | null;
  'events.mechanism': string | null;
  systemd_interval: number;
}

export interface PoolConfig {
  name: string;
  prefix: string | null;
  user: string | null;
  group: string | null;
  listen: string | null;
  'listen.backlog': number;
  'listen.owner': string | null;
  'listen.group': string | null;
  'listen.mode': number;
  'listen.acl_users': string | null;
  'listen.acl_groups': string | null;
  'listen.allowed_clients': string[] | null;
  'process.priority': number | null;
  'process.dumpable': boolean;
  pm: PmStyle;
  'pm.max_children': number;
  'pm.start_servers': number;
  'pm.min_spare_servers': number;
  'pm.max_spare_servers': number;
  'pm.max_spawn_rate': number;
  'pm.process_idle_timeout': number;
  'pm.max_requests': number;
  'pm.status_path': string | null;
  'pm.status_listen': string | null;
  'ping.path': string | null;
  'ping.response': string;
  'access.log': string | null;
  'access.format': string;
  'access.suppress_path': string[];
  slowlog: string | null;
  request_slowlog_timeout: number;
  request_slowlog_trace_depth: number;
  request_terminate_timeout: number;
  request_terminate_timeout_track_finished: boolean;
  rlimit_files: number | null;
  rlimit_core: number | null;
  chroot: string | null;
  chdir: string | null;
  catch_workers_output: boolean;
  decorate_workers_output: boolean;
  clear_env: boolean;
  'security.limit_extensions': string[];
  /** env[NAME] = value; a value starting with '$' names a variable of the master's environment. */
  env: Record<string, string>;
  /** fpm-ts: run this external FastCGI program (php-cgi, say) instead of JavaScript handlers. */
  program: string | null;
  'program.args': string[];
  /** fpm-ts: seconds between checks that a cached handler module changed on disk (0: every request). */
  'handler.revalidate_freq': number;
}

export interface FpmConfig {
  /** Absolute path of the main configuration file. */
  readonly file: string;
  readonly prefix: string;
  readonly global: Readonly<GlobalConfig>;
  readonly pools: readonly Readonly<PoolConfig>[];
  /**
   * What loading had to say without failing, shown by -t and logged at start and reload: a
   * WARNING for what fpm-ts ignores (php_value and friends), php-fpm's NOTICE for a default it filled.
   */
  readonly messages: readonly ConfigMessage[];
}

export interface ConfigMessage {
  readonly level: 'warn' | 'notice';
  readonly text: string;
}
