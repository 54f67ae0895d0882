/**
 * How a side of a Manager lane (`_local_ring.ts`) waits for the other:
 * spin, then block the thread in `Atomics.wait`, then park in the event
 * loop, each step only while experience says it pays.
 *
 * A blocked thread wakes within microseconds of the other side's
 * `Atomics.notify`, where a wake through the event loop
 * (`Atomics.waitAsync`) costs tens of microseconds, twice per round trip.
 * But a blocked thread runs nothing else, so blocking is learnt
 * (`WaitBudget`): a block that catches its frame keeps blocking on; a
 * block that times out stops it (the other side is idle or slow), and
 * then every 8th wait probes with one block, so a side that stopped
 * blocking finds the fast path again once the other side is busy again.
 * A block is all or nothing (`max`), never shortened: on a virtual
 * machine, a wait whose timeout is the CPU's next timer event (a few
 * milliseconds or less) costs a timer reprogramming on entry and exit,
 * which doubles the cost of a wake-up.
 *
 * A short spin before the block (`SpinBudget`) pays when the two sides run
 * on two CPUs, since a blocked thread lets its CPU idle and waking an idle
 * virtual CPU costs tens of microseconds; it costs when they share one.
 * Which case holds is decided by timing (`SpinTrial`).
 *
 * @module
 */

/** A learnt decision to block, for `max` microseconds. */
export class WaitBudget {
  #blocking = true;
  #probe = 0;
  /** The length of a block, in microseconds. */
  readonly max: number;

  /** Starts blocking for `max` microseconds. */
  constructor(max: number) {
    this.max = max;
  }

  /** Microseconds to block next time (0: do not block). */
  next(): number {
    if (this.#blocking) return this.max;
    return ++this.#probe % 8 === 0 ? this.max : 0;
  }

  /** The block caught its frame. */
  hit(): void {
    this.#blocking = true;
  }

  /** The block ran out. */
  miss(): void {
    this.#blocking = false;
  }
}

/**
 * How long to spin before blocking: a spin that catches its frame spins as
 * long as the most next time (`max`), one that misses halves it (down to
 * zero), and at zero every 8th wait probes with the most.
 */
export class SpinBudget {
  #micros: number;
  #probe = 0;
  /** The longest spin, in microseconds. */
  readonly max: number;

  /** Starts spinning for `max` microseconds. */
  constructor(max: number) {
    this.max = max;
    this.#micros = max;
  }

  /** Microseconds to spin next time (0: do not spin). */
  next(): number {
    if (this.#micros >= 1) return this.#micros;
    return ++this.#probe % 8 === 0 ? this.max : 0;
  }

  /** The spin caught its frame. */
  hit(): void {
    this.#micros = this.max;
  }

  /** The spin ran out. */
  miss(): void {
    this.#micros = this.#micros < 2 ? 0 : this.#micros / 2;
  }
}

/** Most calls per stretch that keeps the chosen mode between two trials. */
const STRETCH = 2000;
/**
 * Calls of the first stretch; each next one is twice as long, up to
 * `STRETCH`: the first trials run while the code is still being compiled,
 * and timings then say little, so their choice is soon tried again.
 */
const FIRST_STRETCH = 250;
/** Calls timed in each mode during a trial. */
const TRIAL = 64;
/** How much faster spinning must time to be chosen (it costs CPU). */
const CLEARLY = 0.8;

function median(times: number[]): number {
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/**
 * Whether a caller spins at all, chosen by timing: whether a spin helps
 * depends on where the scheduler puts the two threads (one CPU or two)
 * and on what else runs, which no hit or miss reveals (on a shared CPU a
 * spin still "hits" when the scheduler preempts it for the other side, at
 * the cost of a time slice). So from time to time the caller times
 * `TRIAL` calls spinning and `TRIAL` calls not, alternating so that both
 * see the same conditions, and spins for the next stretch of calls
 * (`FIRST_STRETCH`, doubling up to `STRETCH`) only when spinning's median
 * is clearly lower.
 */
export class SpinTrial {
  #trying = true;
  #spin = true;
  #calls = 0;
  #stretch = FIRST_STRETCH;
  #shift: number;
  #spinTimes: number[] = [];
  #stillTimes: number[] = [];

  /**
   * Starts with a trial that alternates the two modes every call, or every
   * `2 ** shift` calls: the two ends of a lane alternate at different
   * rates, so that each sees both modes of the other equally often and
   * times the effect of its own choice only.
   */
  constructor(shift = 0) {
    this.#shift = shift;
  }

  /** Whether the next call spins. */
  get spinning(): boolean {
    return this.#trying ? this.#inSpinTurn() : this.#spin;
  }

  #inSpinTurn(): boolean {
    return ((this.#calls >> this.#shift) & 1) === 0;
  }

  /** Records how long a call answered without the event loop took (ms). */
  record(ms: number): void {
    if (!this.#trying) {
      if (++this.#calls < this.#stretch) return;
      this.#stretch = Math.min(2 * this.#stretch, STRETCH);
      this.#trying = true;
      this.#calls = 0;
      return;
    }
    (this.#inSpinTurn() ? this.#spinTimes : this.#stillTimes).push(ms);
    if (++this.#calls < 2 * TRIAL) return;
    this.#spin = median(this.#spinTimes) < CLEARLY * median(this.#stillTimes);
    this.#spinTimes = [];
    this.#stillTimes = [];
    this.#trying = false;
    this.#calls = 0;
  }
}
