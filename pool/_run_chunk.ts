/**
 * How a map chunk runs in a child: item by item, in order (an item that
 * returns a promise is awaited before the next starts). The result is the
 * array of results, a typed array when it is long and all numbers, or
 * `ChunkOutcomes` (`[status, value, …]` per item) when some item threw, so
 * that one bad item fails alone.
 *
 * @module
 */
import {
  FLOAT64_CHUNK,
  isInt32,
  numbersAsTyped,
  OK,
  STARMAP_CHUNK,
  THREW,
} from "./_protocol.ts";
import type { Transfer } from "./_child_codec.ts";
import { own } from "./_transfer_list.ts";
import type { TaskFn } from "./_runner.ts";

/** A chunk some of whose items threw: `[status, value, …]` per item. */
export class ChunkOutcomes {
  constructor(readonly outcomes: unknown[]) {}

  /**
   * The outcomes for the parent, each value in transferable form (an error
   * as its record), in place; throws when a value cannot cross.
   */
  encode(transfer: Transfer): { outcomes: unknown[] } {
    const outcomes = this.outcomes;
    for (let i = 0; i < outcomes.length; i += 2) {
      outcomes[i + 1] = outcomes[i] === OK
        ? transfer.toTransferable(outcomes[i + 1], { name: "result" })
        : transfer.serializeError(outcomes[i + 1]);
    }
    return { outcomes };
  }
}

/** Whether `value` is a promise or another thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs `fn` over a chunk (see the module note). A map chunk first runs in a
 * tight loop that stores number results straight into a `Float64Array`
 * (a loop V8 compiles early), sent as an `Int32Array` when all are int32
 * (they read back as small integers, as they were); the first
 * result that is not a number, or the first throw, hands over to the
 * general loop from there.
 */
export function runChunk(
  fn: TaskFn,
  kind: number,
  items: ArrayLike<unknown>,
): unknown {
  const n = items.length;
  if (kind === STARMAP_CHUNK || n < FLOAT64_CHUNK) {
    return general(fn, kind, items, 0, new Array(n));
  }
  const numbers = new Float64Array(n);
  let i = 0;
  let ints = true;
  let threw = false;
  let error: unknown;
  let r: unknown;
  try {
    for (; i < n; i++) {
      r = fn(items[i]);
      if (typeof r !== "number") break;
      if (ints && !isInt32(r)) ints = false;
      numbers[i] = r;
    }
  } catch (e) {
    threw = true;
    error = e;
  }
  if (i === n) return own(ints ? new Int32Array(numbers) : numbers);
  const results: unknown[] = new Array(n);
  for (let j = 0; j < i; j++) results[j] = numbers[j];
  if (threw) {
    results[i] = error;
    return general(fn, kind, items, i + 1, results, new Set([i]));
  }
  return settle(
    r,
    i,
    results,
    undefined,
    (failed) => general(fn, kind, items, i + 1, results, failed),
  );
}

/**
 * Stores item `i`'s result `r` (awaited when a thenable), then calls `next`;
 * returns `next`'s value, or a promise of it.
 */
function settle(
  r: unknown,
  i: number,
  results: unknown[],
  failed: Set<number> | undefined,
  next: (failed: Set<number> | undefined) => unknown,
): unknown {
  if (!isThenable(r)) {
    results[i] = r;
    return next(failed);
  }
  return Promise.resolve(r).then((v) => {
    results[i] = v;
    return next(failed);
  }, (error) => {
    results[i] = error;
    return next((failed ?? new Set()).add(i));
  });
}

/** The general loop, from item `start` on (see the module note). */
function general(
  fn: TaskFn,
  kind: number,
  items: ArrayLike<unknown>,
  start: number,
  results: unknown[],
  failed?: Set<number>,
): unknown {
  const star = kind === STARMAP_CHUNK;
  for (let i = start; i < items.length; i++) {
    let r: unknown;
    try {
      r = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    } catch (error) {
      results[i] = error;
      (failed ??= new Set()).add(i);
      continue;
    }
    if (isThenable(r)) {
      return settle(
        r,
        i,
        results,
        failed,
        (f) => general(fn, kind, items, i + 1, results, f),
      );
    }
    results[i] = r;
  }
  if (failed === undefined) {
    const numbers = numbersAsTyped(results);
    return numbers === undefined ? results : own(numbers);
  }
  const outcomes: unknown[] = [];
  for (let i = 0; i < results.length; i++) {
    outcomes.push(failed.has(i) ? THREW : OK, results[i]);
  }
  return new ChunkOutcomes(outcomes);
}
