/**
 * `map` and `starmap` over the dispatcher: the input is cut into chunks
 * (Python's default chunk size when none is given), each chunk is one task
 * run item by item in the worker, and the results are put back in order. A
 * long chunk of numbers travels as a typed array (one copy of bytes
 * rather than a clone per element), both ways.
 * The first failure (an item's exception, the call's `signal`/`timeout`)
 * rejects the whole call and cancels its remaining tasks.
 *
 * Also the pieces `imap` shares: the host interface the pool implements, the
 * chunk size heuristic and the decoding of a chunk's result.
 *
 * @module
 */
import { deserializeError, type ErrorRecord } from "../ipc/_transfer.ts";
import { TaskGroup } from "./_pool_task.ts";
import {
  FLOAT64_CHUNK,
  isNumberChunk,
  type NumberChunk,
  numberKind,
  OK,
} from "./_protocol.ts";
import type { FnDef } from "./_protocol.ts";
import { RemoteError } from "./errors.ts";

/** What `map` and `imap` need from the pool. */
export interface CallHost {
  /** The pool's `processes`. */
  readonly processes: number;
  /**
   * Submits `items` as one chunk task of `group`. A chunk that cannot be
   * encoded rejects through `reject`; a closed pool throws.
   */
  submitChunk(
    def: FnDef,
    star: boolean,
    items: unknown[] | NumberChunk,
    group: TaskGroup,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): void;
  /** Whether the queue can take a task now (`maxQueue`). */
  hasRoom(): boolean;
  /** Resolves when some task settles next. */
  settled(): Promise<void>;
  /** Cancels the group's tasks (see `Dispatcher.cancel`). */
  cancel(group: TaskGroup, reason: unknown, retireRunning: boolean): void;
  /**
   * Keeps `join()` waiting while a call started before `close()` still
   * submits; returns the release.
   */
  hold(): () => void;
}

/** One item's outcome. */
export type Outcome = { ok: true; value: unknown } | {
  ok: false;
  error: unknown;
};

/** Python's default: `ceil(items / (processes × 4))`, at least 1. */
export function defaultChunksize(items: number, processes: number): number {
  return Math.max(1, Math.ceil(items / (processes * 4)));
}

/** The outcomes of a chunk's result (see `_runner.ts` `runChunk`). */
export function chunkOutcomes(value: unknown, count: number): Outcome[] {
  const out: Outcome[] = new Array(count);
  if (Array.isArray(value) || isNumberChunk(value)) {
    for (let i = 0; i < count; i++) out[i] = { ok: true, value: value[i] };
    return out;
  }
  const outcomes = (value as { outcomes: unknown[] }).outcomes;
  for (let i = 0; i < count; i++) {
    const item = outcomes[2 * i + 1];
    out[i] = outcomes[2 * i] === OK ? { ok: true, value: item } : {
      ok: false,
      error: new RemoteError(deserializeError(item as ErrorRecord)),
    };
  }
  return out;
}

/** What `runMap` is asked to do. */
export interface MapCall {
  chunksize: number | undefined;
  signal: AbortSignal | undefined;
  timeout: number;
  onProgress: ((done: number, total: number | undefined) => void) | undefined;
}

/**
 * Runs a whole map; resolves with the results in input order. An array or
 * an `Iterable` is submitted before this returns (as far as `maxQueue`
 * allows); an `AsyncIterable` is read to the end first.
 */
export function runMap(
  host: CallHost,
  def: FnDef,
  star: boolean,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  call: MapCall,
): Promise<unknown[]> {
  if (call.signal?.aborted) return Promise.reject(call.signal.reason);
  const release = host.hold();
  if (Array.isArray(items) || !(Symbol.asyncIterator in items)) {
    const list = Array.isArray(items)
      ? items
      : Array.from(items as Iterable<unknown>);
    return mapList(host, def, star, list, call, release);
  }
  return (async () => {
    const list: unknown[] = [];
    try {
      for await (const item of items) list.push(item);
    } catch (error) {
      release();
      throw error;
    }
    return await mapList(host, def, star, list, call, release);
  })();
}

function mapList(
  host: CallHost,
  def: FnDef,
  star: boolean,
  list: unknown[],
  call: MapCall,
  release: () => void,
): Promise<unknown[]> {
  const n = list.length;
  if (n === 0) {
    release();
    return Promise.resolve([]);
  }
  const size = call.chunksize ?? defaultChunksize(n, host.processes);
  const group = new TaskGroup();
  const results: unknown[] = new Array(n);
  return new Promise<unknown[]>((resolve, reject) => {
    let finished = false;
    let fed = false;
    let done = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const { signal } = call;
    const onAbort = () => fail(signal!.reason, true);
    const cleanup = () => {
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (!fed) {
        fed = true;
        release();
      }
    };
    const fail = (error: unknown, retire: boolean) => {
      if (finished) return;
      cleanup();
      host.cancel(group, error, retire);
      reject(error);
    };
    const onChunk = (start: number, count: number, value: unknown) => {
      if (finished) return;
      if (Array.isArray(value) || isNumberChunk(value)) {
        for (let i = 0; i < count; i++) results[start + i] = value[i];
      } else {
        const outcomes = chunkOutcomes(value, count);
        for (let i = 0; i < count; i++) {
          const outcome = outcomes[i]!;
          if (!outcome.ok) return fail(outcome.error, false);
          results[start + i] = outcome.value;
        }
      }
      done += count;
      call.onProgress?.(done, n);
      if (done === n) {
        cleanup();
        resolve(results);
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (call.timeout !== Infinity) {
      timer = setTimeout(() => {
        fail(
          new DOMException(
            `Cannot finish map as ${call.timeout} ms elapsed first`,
            "TimeoutError",
          ),
          true,
        );
      }, call.timeout);
    }
    // A list of numbers becomes one typed array at once (a builtin copy,
    // fast even before V8 has compiled this code); chunks are views of it.
    const kind = !star && size >= FLOAT64_CHUNK ? numberKind(list) : 0;
    const numbers = kind === 0
      ? undefined
      : kind === 2
      ? new Int32Array(list as number[])
      : new Float64Array(list as number[]);
    let start = 0;
    const feed = (): void => {
      for (; start < n && !finished; start += size) {
        if (!host.hasRoom()) {
          host.settled().then(feed).catch((error) => fail(error, false));
          return;
        }
        const chunk = numbers?.subarray(start, start + size) ??
          list.slice(start, start + size);
        const at = start;
        host.submitChunk(
          def,
          star,
          chunk,
          group,
          (value) => onChunk(at, chunk.length, value),
          (error) => fail(error, false),
        );
      }
      if (!fed) {
        fed = true;
        release();
      }
    };
    try {
      feed();
    } catch (error) {
      fail(error, false);
    }
  });
}
