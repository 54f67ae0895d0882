/**
 * The timers that watch a pool's workers: the task watchdog, which reads a
 * worker's control block (so a worker stuck in synchronous code is caught
 * too) and fires once the task it runs is past `taskTimeout`; and the idle
 * reaper, which retires workers idle for `idleTimeout` down to
 * `minProcesses` (unref'd: it never keeps the process alive).
 *
 * @module
 */
import type { PoolSlot } from "./_pool_slot.ts";

/**
 * Arms `slot`'s watchdog (unless `limit` is `Infinity` or it is armed):
 * calls `onTimeout(seq)` once the running task `seq` has run `limit` ms,
 * and re-arms itself while the slot holds tasks.
 */
export function armWatchdog(
  slot: PoolSlot,
  limit: number,
  onTimeout: (seq: number) => void,
  delay: number = limit,
): void {
  if (limit === Infinity || slot.watchdog !== undefined) return;
  slot.watchdog = setTimeout(() => {
    slot.watchdog = undefined;
    if (!slot.open) return;
    const { seq, elapsed } = slot.current();
    if (seq !== 0 && elapsed >= limit) {
      onTimeout(seq);
      return;
    }
    if (slot.inflight.size > 0) {
      armWatchdog(slot, limit, onTimeout, seq === 0 ? limit : limit - elapsed);
    }
  }, Math.max(0, delay));
}

/** Clears `slot`'s watchdog and retirement grace timers. */
export function clearSlotTimers(slot: PoolSlot): void {
  if (slot.watchdog !== undefined) clearTimeout(slot.watchdog);
  if (slot.grace !== undefined) clearTimeout(slot.grace);
  slot.watchdog = undefined;
  slot.grace = undefined;
}

/** What the idle reaper watches and how it retires. */
export interface IdleReaperOptions {
  readonly idleTimeout: number;
  readonly minProcesses: number;
  /** The pool's live slots (read each time). */
  readonly slots: ReadonlySet<PoolSlot>;
  /** Whether the pool still runs (a closing pool retires on its own). */
  running(): boolean;
  retire(slot: PoolSlot): void;
}

/** See the module note. */
export class IdleReaper {
  readonly #o: IdleReaperOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: IdleReaperOptions) {
    this.#o = options;
  }

  /** Arms the reaper when workers above `minProcesses` may go idle. */
  arm(): void {
    const { idleTimeout, minProcesses, slots } = this.#o;
    if (
      this.#timer !== undefined || idleTimeout === Infinity ||
      !this.#o.running() || slots.size <= minProcesses
    ) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = performance.now();
      let live = 0;
      for (const slot of slots) if (slot.open) live++;
      for (const slot of slots) {
        if (live <= minProcesses) break;
        if (
          slot.open && slot.inflight.size === 0 &&
          now - slot.idleSince >= idleTimeout
        ) {
          this.#o.retire(slot);
          live--;
        }
      }
      if (live > minProcesses) this.arm();
    }, idleTimeout);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Stops the reaper. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
