/**
 * Whether one side of a Manager lane (`_local_ring.ts`) blocks its thread
 * in `Atomics.wait` for the other side before it parks in the event loop.
 *
 * A blocked thread wakes within microseconds of the other side's
 * `Atomics.notify`, where a wake through the event loop
 * (`Atomics.waitAsync`) costs tens of microseconds, twice per round trip.
 * But a blocked thread runs nothing else, so blocking is learnt from
 * experience: a block that catches its frame keeps blocking on; a block
 * that times out stops it (the other side is idle or slow), and then every
 * 8th wait probes with one block, so a side that stopped blocking finds
 * the fast path again once the other side is busy again.
 *
 * A block is all or nothing (`max`), never shortened: on a virtual
 * machine, a wait whose timeout is the CPU's next timer event (a few
 * milliseconds or less) costs a timer reprogramming on entry and exit,
 * which doubles the cost of a wake-up.
 *
 * @module
 */

/** A learnt decision to block, for `max` microseconds; see the module note. */
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
 * How long to spin before blocking, learnt the same way: a spin that
 * catches its frame spins as long as the most next time (`max`), one that
 * misses halves it (down to zero: the other side shares this CPU, where a
 * spin only delays it), and at zero every 8th wait probes with the most.
 * A short spin pays when the two sides run on two CPUs: a blocked thread
 * lets its CPU idle, and waking an idle virtual CPU costs tens of
 * microseconds.
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
