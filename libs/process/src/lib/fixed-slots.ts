// A fixed number of slots kept filled over a worker group: lighttpd's server.max-worker watcher
// (server.c: fork N workers, re-fork the one that died) and php-fpm's pm = static
// (fpm_children_bury() replaces an exited child, the maintenance refills what is missing).
import type { ChannelMessage } from './channel-messages';
import type { WorkerExit } from './worker-exit';
import type { GroupMember, WorkerGroup } from './worker-group';

/** Why a slot's worker is started: the first fill, a refill by the owner, a respawn after an exit, a successor. */
export type SpawnCause = 'start' | 'refill' | 'respawn' | 'successor';

export interface FixedSlotsOptions<M> {
  readonly size: number;
  /** Starts the worker of `slot`; undefined when none may start now (the slot waits for refill()). */
  spawn(slot: number, cause: SpawnCause): M | undefined;
  /** Whether an unexpected exit is replaced at once (default) or left for the next refill(). */
  respawnAtOnce?(exit: WorkerExit, member: M): boolean;
  /** How long a respawn waits (a crash-storm back-off); default 0. */
  respawnDelayMs?(): number;
}

export class FixedSlots<TUp extends ChannelMessage, TDown extends ChannelMessage, TTag> {
  private readonly slots: Array<GroupMember<TUp, TDown, TTag> | undefined>;
  private respawning = false;
  private readonly pendingRespawns = new Map<number, () => void>();
  private readonly onExit = (exit: WorkerExit, member: GroupMember<TUp, TDown, TTag>): void => this.vacate(exit, member);

  constructor(
    private readonly group: WorkerGroup<TUp, TDown, TTag>,
    private readonly options: FixedSlotsOptions<GroupMember<TUp, TDown, TTag>>,
  ) {
    this.slots = Array.from({ length: options.size }, () => undefined);
    group.on('exit', this.onExit);
  }

  /** By slot; an empty slot is undefined. */
  get members(): ReadonlyArray<GroupMember<TUp, TDown, TTag> | undefined> {
    return this.slots;
  }

  /** Fills every slot; returns the members started. Nothing is respawned before keepFilled(). */
  start(): GroupMember<TUp, TDown, TTag>[] {
    return this.fill('start');
  }

  /** From now on a slot whose worker died unexpectedly is filled again. */
  keepFilled(): void {
    this.respawning = true;
  }

  /** Fills the empty slots (a worker that could not start, or was not respawned at once). */
  refill(): void {
    if (this.respawning) this.fill('refill');
  }

  /** The member leaves its slot (it drains and exits on its own); its successor starts now. */
  handOver(member: GroupMember<TUp, TDown, TTag>): void {
    const slot = this.slots.indexOf(member);
    if (slot < 0) return;
    this.slots[slot] = undefined;
    if (this.respawning) this.slots[slot] = this.options.spawn(slot, 'successor');
  }

  /** No more respawns, here or pending; the slots are let go of. */
  close(): void {
    this.respawning = false;
    for (const cancel of this.pendingRespawns.values()) cancel();
    this.pendingRespawns.clear();
    this.group.off('exit', this.onExit);
  }

  private fill(cause: SpawnCause): GroupMember<TUp, TDown, TTag>[] {
    const started: GroupMember<TUp, TDown, TTag>[] = [];
    for (let slot = 0; slot < this.slots.length; slot++) {
      if (this.slots[slot] || this.pendingRespawns.has(slot)) continue;
      const member = this.options.spawn(slot, cause);
      if (!member) break;
      this.slots[slot] = member;
      started.push(member);
    }
    return started;
  }

  private vacate(exit: WorkerExit, member: GroupMember<TUp, TDown, TTag>): void {
    const slot = this.slots.indexOf(member);
    if (slot < 0) return;
    this.slots[slot] = undefined;
    if (!this.respawning || exit.expected) return;
    if (this.options.respawnAtOnce?.(exit, member) ?? true) this.respawn(slot);
  }

  private respawn(slot: number): void {
    const spawnNow = (): void => {
      this.pendingRespawns.delete(slot);
      if (!this.respawning || this.slots[slot]) return;
      this.slots[slot] = this.options.spawn(slot, 'respawn');
    };
    const wait = this.options.respawnDelayMs?.() ?? 0;
    if (wait <= 0) return spawnNow();
    if (!this.pendingRespawns.has(slot)) this.pendingRespawns.set(slot, this.group.deadlines.after(wait, spawnNow));
  }
}
