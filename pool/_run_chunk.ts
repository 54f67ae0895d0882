/**
 * How a map chunk runs in a child: item by item, in order (an item that
 * returns a promise is awaited before the next starts). The result is the
 * array of results, a `Float64Array` when it is long and all numbers, or
 * `ChunkOutcomes` (`[status, value, …]` per item) when some item threw, so
 * that one bad item fails alone.
 *
 * @module
 */
import { numbersAsFloat64, OK, STARMAP_CHUNK, THREW } from "./_protocol.ts";
import type { Transfer } from "./_child_codec.ts";
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

/** Runs `fn` over a chunk (see the module note). */
export function runChunk(
  fn: TaskFn,
  kind: number,
  items: ArrayLike<unknown>,
): unknown {
  const star = kind === STARMAP_CHUNK;
  const results: unknown[] = new Array(items.length);
  let failed: Set<number> | undefined;
  const finish = () => {
    if (failed === undefined) return numbersAsFloat64(results) ?? results;
    const outcomes: unknown[] = [];
    for (let i = 0; i < results.length; i++) {
      outcomes.push(failed.has(i) ? THREW : OK, results[i]);
    }
    return new ChunkOutcomes(outcomes);
  };
  const from = (start: number): unknown => {
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
        return Promise.resolve(r).then((v) => {
          results[i] = v;
        }, (error) => {
          results[i] = error;
          (failed ??= new Set()).add(i);
        }).then(() => from(i + 1));
      }
      results[i] = r;
    }
    return finish();
  };
  return from(0);
}
