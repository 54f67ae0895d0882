/**
 * How a `Pool` call becomes dispatcher tasks: the checks every call makes
 * (open pool, `maxQueue` room, options), the arguments encoded once into
 * their transferable form (numbers and primitive argument lists go as they
 * are), and a call's own `signal`/`timeout` cancelling its task group. Also
 * the `CallHost` that `map` and `imap` submit their chunks through.
 *
 * @module
 */
import { toTransferable } from "../ipc/_transfer.ts";
import { quote } from "../shared/_quote.ts";
import { checkWaitOptions } from "../sync/_futex.ts";
import { type Dispatcher, now } from "./_dispatcher.ts";
import type { FnTable } from "./_fn_table.ts";
import { ImapIterator } from "./_imap.ts";
import { type CallHost, runMap } from "./_map_call.ts";
import { checkChunksize, checkItems, primitives } from "./_pool_config.ts";
import { type PoolTask, TaskGroup } from "./_pool_task.ts";
import {
  CALL,
  type FnDef,
  isNumberChunk,
  MAP_CHUNK,
  numbersAsTyped,
  STARMAP_CHUNK,
} from "./_protocol.ts";
import { PoolClosedError, PoolFullError } from "./errors.ts";
import type {
  ApplyOptions,
  ImapOptions,
  MapItems,
  MapOptions,
} from "./pool_options.ts";

/** What a `Submitter` needs from its pool. */
export interface SubmitterOptions {
  readonly processes: number;
  readonly maxQueue: number;
  readonly crossProcess: boolean;
  readonly fns: FnTable;
}

/** See the module note. */
export class Submitter {
  readonly #o: SubmitterOptions;
  readonly #dispatcher: Dispatcher;
  readonly host: CallHost;
  #nextId = 1;
  #settleWaiters: (() => void)[] = [];

  constructor(options: SubmitterOptions, dispatcher: Dispatcher) {
    this.#o = options;
    this.#dispatcher = dispatcher;
    this.host = {
      processes: options.processes,
      submitChunk: (def, star, items, group, resolve, reject) =>
        this.#submit(
          def,
          star ? STARMAP_CHUNK : MAP_CHUNK,
          isNumberChunk(items) || star ? items : numbersAsTyped(items) ?? items,
          items.length,
          group,
          resolve,
          reject,
          "items",
        ),
      hasRoom: () => this.#hasRoom(),
      settled: () =>
        new Promise((resolve) => this.#settleWaiters.push(resolve)),
      cancel: (group, reason, retire) =>
        this.#dispatcher.cancel(group, reason, retire),
      hold: () => this.#dispatcher.hold(),
    };
  }

  /** Wakes the calls waiting for `maxQueue` room (a task settled). */
  onSettle(): void {
    const waiters = this.#settleWaiters;
    if (waiters.length === 0) return;
    this.#settleWaiters = [];
    for (const wake of waiters) wake();
  }

  #hasRoom(): boolean {
    const { maxQueue, processes } = this.#o;
    return maxQueue === Infinity ||
      this.#dispatcher.outstanding < processes + maxQueue;
  }

  #checkOpen(what: string): void {
    const state = this.#dispatcher.state;
    if (state !== "running") {
      throw new PoolClosedError(
        `Cannot ${what} as the pool is ${
          state === "closing" ? "closed" : "terminated"
        }: submit work before close() or terminate()`,
      );
    }
  }

  #submit(
    def: FnDef,
    kind: number,
    args: unknown,
    items: number,
    group: TaskGroup | undefined,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    name: string,
  ): void {
    if (this.#dispatcher.state === "terminated") {
      throw new PoolClosedError(
        "Cannot submit a task as the pool is terminated",
      );
    }
    let payload: unknown = args;
    if (!isNumberChunk(args) && !primitives(args as unknown[])) {
      try {
        payload = toTransferable(args, {
          name,
          crossProcess: this.#o.crossProcess,
          bridge: true,
        });
      } catch (error) {
        reject(error);
        return;
      }
    }
    const task: PoolTask = {
      id: this.#nextId++,
      fn: def,
      kind,
      payload,
      items,
      submitted: now(),
      group,
      slot: undefined,
      seq: 0,
      counter: 0,
      done: false,
      resolve,
      reject,
    };
    this.#dispatcher.submit(task);
  }

  /** Submits one call (`apply`, as `what`); `options` may cancel it. */
  call<R>(
    what: string,
    fn: unknown,
    args: unknown,
    options: ApplyOptions | undefined,
  ): Promise<R> {
    what = `run Pool.${what}`;
    return new Promise<unknown>((resolve, reject) => {
      const def = this.#o.fns.define(fn, what);
      if (!Array.isArray(args)) {
        throw new TypeError(
          `Cannot ${what} as args must be an array: received ${quote(args)}`,
        );
      }
      const timeout = checkWaitOptions(what, options);
      const signal = options?.signal;
      this.#checkOpen(what);
      if (!this.#hasRoom()) {
        throw new PoolFullError(
          `Cannot ${what} as the pool's queue is full (maxQueue ${this.#o.maxQueue}): wait for results, or raise maxQueue`,
        );
      }
      signal?.throwIfAborted();
      if (timeout === Infinity && signal === undefined) {
        this.#submit(def, CALL, args, 1, undefined, resolve, reject, "args");
        return;
      }
      const group = new TaskGroup();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () =>
        this.#dispatcher.cancel(group, signal!.reason, true);
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.#submit(def, CALL, args, 1, group, (value) => {
        done();
        resolve(value);
      }, (error) => {
        done();
        reject(error);
      }, "args");
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          this.#dispatcher.cancel(
            group,
            new DOMException(
              `Cannot finish ${what} as ${timeout} ms elapsed first`,
              "TimeoutError",
            ),
            true,
          );
        }, timeout);
      }
    }) as Promise<R>;
  }

  #mapOptions(what: string, options: MapOptions | undefined) {
    const timeout = checkWaitOptions(what, options);
    const chunksize = checkChunksize(what, options?.chunksize);
    const onProgress = options?.onProgress;
    if (onProgress !== undefined && typeof onProgress !== "function") {
      throw new TypeError(
        `Cannot ${what} as onProgress must be a function: received ${
          quote(onProgress)
        }`,
      );
    }
    return { chunksize, signal: options?.signal, timeout, onProgress };
  }

  /** Runs a `map` (`what`, a `starmap` when it says so); rejects, never throws. */
  map<R>(
    what: string,
    fn: unknown,
    items: unknown,
    options: MapOptions | undefined,
  ): Promise<R[]> {
    const star = what.startsWith("starmap");
    what = `run Pool.${what}`;
    try {
      const def = this.#o.fns.define(fn, what);
      checkItems(what, items);
      const call = this.#mapOptions(what, options);
      this.#checkOpen(what);
      return runMap(
        this.host,
        def,
        star,
        items as MapItems<unknown>,
        call,
      ) as Promise<R[]>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Starts an `imap` or `imapUnordered` (`what`). */
  imap<R>(
    what: string,
    fn: unknown,
    items: unknown,
    options: ImapOptions | undefined,
  ): AsyncIterableIterator<R> {
    const ordered = what === "imap";
    what = `run Pool.${what}`;
    const def = this.#o.fns.define(fn, what);
    checkItems(what, items);
    const call = this.#mapOptions(what, options);
    this.#checkOpen(what);
    return new ImapIterator<R>(this.host, def, items as MapItems<R>, {
      ordered,
      star: false,
      chunksize: call.chunksize ?? 1,
      signal: call.signal,
      onProgress: call.onProgress,
    });
  }
}
