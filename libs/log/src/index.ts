// Public surface of @libs/log.
export { serviceLogFrom, type ServiceLog } from './lib/service-log';
export { LogError, logErrOpen, logErrLevel, logErrPipe, logErrClosed, type LogErrorCode } from './lib/errors';
export { LOG_LEVELS, JOURNAL_PRIORITIES, FPM_LEVEL_NAMES, parseLogLevel, type LogLevel } from './lib/levels';
export { stderrIsJournal } from './lib/journal';
export { createLineFormatter, fpmTime, lighttpdTime, type LineFormatter, type LineFormatOptions, type LogStyle } from './lib/line-format';
export { createErrorLog, type ErrorLog, type ErrorLogOptions, type ErrorLogTarget } from './lib/error-log';
export {
  parseSyslogFacility,
  SYSLOG_FACILITIES,
  DEFAULT_SYSLOG_PATH,
  type SyslogFacility,
  type SyslogTarget,
} from './lib/syslog';
export {
  createAccessLog,
  ACCESS_LOG_MIN_LENGTH,
  ACCESS_LOG_FLUSH_INTERVAL_MS,
  type AccessLog,
  type InheritedLogFile,
  type AccessLogOptions,
} from './lib/access-log';
