/**
 * `move()`: hand a binary value's memory to the other side instead of
 * copying it, Web Workers' transfer (piscina's `Piscina.move()`).
 *
 * @module
 */
import { markMoved } from "./_transfer_list.ts";

function quote(value: unknown): string {
  if (typeof value === "object" && value !== null) {
    return Object.prototype.toString.call(value);
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Marks `value`'s `ArrayBuffer` to be moved (transferred), not copied, when
 * it next crosses to or from a `"worker"` pool: as a task argument, a map
 * item, a starmap argument or a task's result (at the top level: a buffer
 * nested inside an object is still copied). Any size moves, and costs no
 * copy at all.
 *
 * **The sender loses the bytes.** After the send, the sender's buffer is
 * detached: `value` (and every other view over the same buffer) has length
 * 0 and reads nothing. The whole buffer moves, so a `subarray()` takes its
 * parent's memory with it. Mark only data you are done with.
 *
 * **A moved argument does not survive its worker's death.** The bytes are
 * in the worker as soon as the task is sent to it; when that worker dies
 * (or is retired by a `taskTimeout`) before it runs the task, the task
 * cannot run elsewhere and rejects with a `WorkerExitError` that says so.
 * Do not use `move()` for tasks that must survive worker deaths.
 *
 * A buffer moves once: sending the same moved buffer again in a later
 * message (say, in two map chunks) fails that later task with a `TypeError`
 * rather than sending empty bytes.
 *
 * On the `"inline"` backend nothing is copied anyway and on the
 * `"subprocess"` backend values are serialized anyway: there `move()`
 * changes nothing and the value stays usable. The mark stays on the buffer
 * until it is moved.
 *
 * @typeParam T An `ArrayBuffer` or a view over one (typed array, `DataView`).
 * @param value The value whose buffer to move.
 * @returns `value` itself, marked.
 * @throws {TypeError} When `value` is not an `ArrayBuffer` or a view over
 * one, is backed by a `SharedArrayBuffer` (shared memory is shared, not
 * moved: pass it as it is), or is already detached.
 *
 * @example Move arguments in and results back
 * ```ts
 * import { move, Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 * // export function echoMoved(bytes: Uint8Array): Uint8Array {
 * //   return move(bytes); // a task moves its result back
 * // }
 * import { echoMoved } from "../tests/fixtures/pool_move_tasks.ts";
 *
 * await using pool = new Pool({
 *   processes: 2,
 *   module: new URL("../tests/fixtures/pool_move_tasks.ts", import.meta.url),
 * });
 * const arrays = [1, 2, 3].map((i) => new Uint8Array(1024).fill(i));
 * const echoed = await pool.map(echoMoved, arrays.map(move));
 * assert.deepEqual(echoed.map((a) => a[0]), [1, 2, 3]);
 * assert.equal(echoed[0]!.byteLength, 1024);
 * assert.equal(arrays[0]!.byteLength, 0); // moved away: detached here
 * ```
 */
export function move<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  const buffer = ArrayBuffer.isView(value)
    ? value.buffer
    : value instanceof ArrayBuffer
    ? value
    : value instanceof SharedArrayBuffer
    ? value
    : undefined;
  if (buffer === undefined) {
    throw new TypeError(
      `Cannot move value as it must be an ArrayBuffer or an ArrayBufferView: received ${
        quote(value)
      }`,
    );
  }
  if (!(buffer instanceof ArrayBuffer)) {
    throw new TypeError(
      `Cannot move value as it is backed by a SharedArrayBuffer, which is shared, not moved: pass it without move(): received ${
        quote(value)
      }`,
    );
  }
  if (buffer.detached) {
    throw new TypeError(
      `Cannot move value as its ArrayBuffer is detached (already moved): received ${
        quote(value)
      }`,
    );
  }
  markMoved(buffer);
  return value;
}
