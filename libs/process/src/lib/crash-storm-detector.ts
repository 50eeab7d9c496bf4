// php-fpm's emergency restart trigger (fpm_children_bury(): emergency_restart_threshold failures
// within emergency_restart_interval) as its own small class: N abnormal exits within T => 'crash-storm'.
import { EventEmitter } from 'node:events';

export interface CrashStorm {
  readonly threshold: number;
  readonly intervalMs: number;
  /** php-fpm's line: "failed processes threshold (N in T sec) is reached". */
  readonly line: string;
}

export type CrashStormEvents = { 'crash-storm': [storm: CrashStorm] };

export class CrashStormDetector extends EventEmitter<CrashStormEvents> {
  private readonly failures: number[] = [];

  /** A threshold or interval of 0 disables detection, as in php-fpm. */
  constructor(
    readonly threshold: number,
    readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
  }

  get enabled(): boolean {
    return this.threshold > 0 && this.intervalMs > 0;
  }

  /** Count one abnormal exit; true (and 'crash-storm' emitted) when it completes a storm. */
  record(): boolean {
    if (!this.enabled) return false;
    const now = this.now();
    this.failures.push(now);
    if (this.failures.length > this.threshold) this.failures.shift();
    const oldest = this.failures[0];
    if (this.failures.length < this.threshold || oldest === undefined || now - oldest > this.intervalMs) return false;
    // Start counting afresh, as php-fpm does after initiating its reload.
    this.failures.length = 0;
    const seconds = Math.round((this.intervalMs / 1000) * 1000) / 1000;
    this.emit('crash-storm', {
      threshold: this.threshold,
      intervalMs: this.intervalMs,
      line: `failed processes threshold (${this.threshold} in ${seconds} sec) is reached`,
    });
    return true;
  }

  reset(): void {
    this.failures.length = 0;
  }
}
