// The joblist: connections that must run their state machine again on the next loop turn
// (lighttpd's srv->joblist, drained at the end of every server.c main-loop iteration).
// One setImmediate per loop turn drains the whole list, however many connections were added.
export interface JobTarget {
  inJoblist: boolean;
}

export class Joblist<T extends JobTarget> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(private readonly run: (item: T) => void) {}

  append(item: T): void {
    if (item.inJoblist) return;
    item.inJoblist = true;
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  get size(): number {
    return this.pending.length;
  }

  private drain(): void {
    this.scheduled = false;
    // items appended while draining wait for the next turn, as lighttpd swaps its joblists
    const batch = this.pending;
    this.pending = [];
    for (const item of batch) {
      item.inJoblist = false;
      this.run(item);
    }
  }
}
