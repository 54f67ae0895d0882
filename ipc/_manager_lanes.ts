/**
 * The Manager server's loop over its same-process lanes
 * (`_local_ring.ts`): one loop per server takes the whole frames of every
 * lane and feeds them to the lanes' sessions, then sleeps on the server's
 * bell (`_local_beacon.ts`), which every client rings after each write.
 *
 * On a thread of its own (a server in its own Worker) with no socket
 * client and no waiting call, the loop right after serving spins briefly
 * on the bell (at most `SPIN_MICROS`, and only while timing shows that it
 * pays: `SpinTrial`, alternating every two requests so that its trial
 * and the caller's, which alternates every call, do not mask each other),
 * since a client busy with calls sends its next one within microseconds,
 * and waking a sleeping thread on a virtual machine costs tens. Then it
 * blocks in `Atomics.wait` on the bell (while that pays off, see
 * `_local_budget.ts`), so that a request from a busy client wakes it
 * within microseconds; otherwise, or when the
 * block runs out, it parks in `Atomics.waitAsync`, where the event loop
 * serves sockets, timers and the replies of waiting calls. While lanes keep
 * it busy, it turns the event loop at least every `TURN_MS`. A server on a
 * shared thread (`"inline"`) never blocks.
 *
 * A frame larger than a lane streams through it: that lane's session reads
 * it asynchronously while the loop serves the others. A lane whose client
 * closed it, or whose client thread is known to be dead (its agent id,
 * `sync/_agent.ts`, marked by whoever ended it), has its session closed,
 * which releases what that client held.
 *
 * @module
 */
import { isAgentDead } from "../sync/_agent.ts";
import { Beacon, isGone, ringBell } from "./_local_beacon.ts";
import { type LocalTransport, POLL_MS } from "./_local_ring.ts";
import type { Session } from "./_manager_session.ts";
import { SpinBudget, SpinTrial, WaitBudget } from "./_local_budget.ts";

/** Most microseconds a dedicated server blocks for the next request. */
const BLOCK_MICROS = 10_000;
/** Most microseconds a dedicated server spins for the next request. */
const SPIN_MICROS = 100;
/** Most milliseconds of lane work between two turns of the event loop. */
const TURN_MS = 2;

/** The lane loop of one server; see the module note. */
export class LaneHub {
  readonly #beacon: Int32Array;
  readonly #budget = new WaitBudget(BLOCK_MICROS);
  readonly #spin = new SpinBudget(SPIN_MICROS);
  readonly #trial = new SpinTrial(1);
  /** When the last frame was served, while the next one is awaited. */
  #served: number | undefined;
  readonly #mayBlock: () => boolean;
  readonly #lanes = new Map<Session, LocalTransport>();
  readonly #draining = new Set<Session>();
  #running = false;
  #turn: MessageChannel | undefined;
  #turned: (() => void) | undefined;

  /** Serves the lanes of the server whose beacon is `beacon`. */
  constructor(beacon: Int32Array, options: { mayBlock: () => boolean }) {
    this.#beacon = beacon;
    this.#mayBlock = options.mayBlock;
  }

  /** Feeds the frames of `lane` to `session` from now on. */
  add(session: Session, lane: LocalTransport): void {
    this.#lanes.set(session, lane);
    if (!this.#running) this.#run();
  }

  /** Stops the loop (the server closed its sessions and beacon). */
  close(): void {
    this.#lanes.clear();
    this.#turned?.();
  }

  async #run(): Promise<void> {
    this.#running = true;
    let turned = performance.now();
    try {
      while (this.#lanes.size > 0 && !isGone(this.#beacon)) {
        // Read the bell before looking, so a ring after the look still
        // wakes the waits below.
        const seen = Atomics.load(this.#beacon, Beacon.bell);
        let took = false;
        for (const [session, lane] of this.#lanes) {
          if (this.#pump(session, lane)) took = true;
        }
        if (took) {
          this.#served = performance.now();
          if (this.#served - turned >= TURN_MS) {
            await this.#turnEventLoop();
            this.#sweep();
            turned = performance.now();
          }
          continue;
        }
        if (this.#spinFor(seen) || this.#block(seen)) {
          if (this.#served !== undefined) {
            this.#trial.record(performance.now() - this.#served);
          }
          this.#served = undefined;
          continue;
        }
        this.#served = undefined;
        const parked = Atomics.waitAsync(
          this.#beacon,
          Beacon.bell,
          seen,
          POLL_MS,
        );
        if (parked.async) await parked.value;
        this.#sweep();
        turned = performance.now();
      }
    } finally {
      this.#running = false;
      this.#turn?.port1.close();
      this.#turn?.port2.close();
      this.#turn = undefined;
    }
  }

  /**
   * Right after serving, spins on the bell while that pays off (only when
   * the server may block its thread); whether the bell rang meanwhile.
   */
  #spinFor(seen: number): boolean {
    if (this.#served === undefined || !this.#mayBlock()) return false;
    if (!this.#trial.spinning) return false;
    const micros = this.#spin.next();
    if (micros === 0) return false;
    const stop = performance.now() + micros / 1000;
    do {
      if (Atomics.load(this.#beacon, Beacon.bell) !== seen) {
        this.#spin.hit();
        return true;
      }
      Atomics.pause?.();
    } while (performance.now() < stop);
    this.#spin.miss();
    return false;
  }

  /**
   * Blocks on the bell while that pays off (only when the server may block
   * its thread); whether the bell rang meanwhile.
   */
  #block(seen: number): boolean {
    if (!this.#mayBlock()) return false;
    const micros = this.#budget.next();
    if (micros === 0) return false;
    const result = Atomics.wait(this.#beacon, Beacon.bell, seen, micros / 1e3);
    if (result === "timed-out") {
      this.#budget.miss();
      return false;
    }
    this.#budget.hit();
    return true;
  }

  /** Feeds every whole frame of `lane`; whether it took any. */
  #pump(session: Session, lane: LocalTransport): boolean {
    if (session.closed) {
      this.#lanes.delete(session);
      return false;
    }
    if (this.#draining.has(session)) return false;
    let took = false;
    for (let frame = lane.tryRecv(); frame; frame = lane.tryRecv()) {
      took = true;
      if (!session.feed(frame)) {
        this.#drop(session);
        return true;
      }
    }
    if (lane.oversized) this.#drain(session, lane);
    else if (lane.closed) this.#drop(session);
    return took;
  }

  /** Reads a frame larger than the lane asynchronously, then feeds it. */
  #drain(session: Session, lane: LocalTransport): void {
    this.#draining.add(session);
    lane.recv().then((frame) => {
      this.#draining.delete(session);
      if (frame === null || !session.feed(frame)) this.#drop(session);
      ringBell(this.#beacon); // look at this lane again
    }, () => {
      this.#draining.delete(session);
      this.#drop(session);
    });
  }

  /** Closes the sessions whose client thread is known to be dead. */
  #sweep(): void {
    for (const [session, lane] of this.#lanes) {
      const agent = lane.clientAgent;
      if (agent !== 0 && isAgentDead(agent)) this.#drop(session);
    }
  }

  #drop(session: Session): void {
    this.#lanes.delete(session);
    session.close();
  }

  /** Lets the event loop run once (sockets, timers, messages). */
  #turnEventLoop(): Promise<void> {
    this.#turn ??= new MessageChannel();
    const turn = this.#turn;
    return new Promise((resolve) => {
      this.#turned = resolve;
      turn.port2.onmessage = () => resolve();
      turn.port1.postMessage(null);
    });
  }
}
