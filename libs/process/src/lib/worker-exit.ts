// Classifying a reaped child the way php-fpm's fpm_children_bury() does: exited with a code or
// killed by a signal, how long it lived, and whether the parent asked for it (no respawn then).
import { constants } from 'node:os';
import type { ProcessError } from './errors';
import type { SupervisorErrorCode } from './supervisor-errors';

export interface WorkerExit {
  /** 0 when the child never started (spawnError is set). */
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lifetimeMs: number;
  /** The parent stopped it (quit, terminate, kill, retire): not a failure, not respawned. */
  readonly expected: boolean;
  /** php-fpm's words, e.g. "child 123 exited with code 0 after 12.345678 seconds from start". */
  readonly line: string;
  readonly spawnError?: ProcessError<SupervisorErrorCode>;
}

export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

// php-fpm prints "%ld.%06d seconds": whole seconds and microseconds.
export function formatLifetime(lifetimeMs: number): string {
  const us = Math.max(0, Math.round(lifetimeMs * 1000));
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

export function describeExit(e: Pick<WorkerExit, 'pid' | 'code' | 'signal' | 'lifetimeMs'>): string {
  const how = e.signal !== null ? `on signal ${signalNumber(e.signal)} (${e.signal})` : `with code ${e.code ?? 0}`;
  return `child ${e.pid} exited ${how} after ${formatLifetime(e.lifetimeMs)} seconds from start`;
}

/** A failure worth counting towards a crash storm: unexpected, and not a clean exit(0). */
export function isAbnormalExit(e: WorkerExit): boolean {
  return !e.expected && (e.spawnError !== undefined || e.signal !== null || e.code !== 0);
}

/**
 * php-fpm's severity: a non-zero code or any signal but SIGQUIT is a warning, else a notice;
 * an exit the parent asked for is only worth a debug line.
 */
export function exitSeverity(e: WorkerExit): 'warn' | 'notice' | 'debug' {
  if (e.expected) return 'debug';
  if (e.spawnError || (e.signal !== null && e.signal !== 'SIGQUIT') || (e.signal === null && e.code !== 0)) return 'warn';
  return 'notice';
}
