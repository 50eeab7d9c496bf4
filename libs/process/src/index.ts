// Public surface of @libs/process.
export { ProcessError, processErrors, type ProcessErrorCode } from './lib/errors';
export { openPidFile, parsePid, isProcessRunning, type PidFile, type PidFileOptions } from './lib/pid-file';
