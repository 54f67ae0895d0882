/**
 * The puts and gets of a `Queue` over its ring: each encodes an item into
 * the codec's scratch buffer and drives a ring `Writer`, or drives a ring
 * `Reader` that decodes one in place. A step that finishes at once (after
 * a short spin) costs no promise; otherwise the async forms wait on the
 * ring's futex words (`runAsync`) and the sync forms block (`runSync`). A
 * `RingClosedError` from the ring becomes the `QueueClosedError` that
 * names the queue's class; `owner` is the queue, for that name.
 *
 * @module
 */
import { decodeShared, encodeScratch } from "./_codec.ts";
import { checkBufferSize, DONE, type Ring, RingClosedError } from "./_ring.ts";
import { Reader } from "./_ring_reader.ts";
import { Writer } from "./_ring_writer.ts";
import { checkTimeout, runAsync, runSync, stepSpinning } from "./_ring_wait.ts";
import type {
  QueueOptions,
  QueueSyncOptions,
  QueueWaitOptions,
  TryGetResult,
} from "./queue.ts";
import { QueueClosedError } from "./queue_closed_error.ts";

/** The bytes of shared memory of a queue when `bufferSize` is not given. */
export const DEFAULT_BUFFER = 1 << 20;
/** What `put()` returns when the item went in at once. */
const PUT: Promise<void> = Promise.resolve();

function closedError(
  error: unknown,
  name: string,
  action: string,
): unknown {
  if (!(error instanceof RingClosedError)) return error;
  return new QueueClosedError(
    action === "get"
      ? `Cannot get() from ${name} as it is closed and empty`
      : `Cannot put() on ${name} as it is closed`,
    { cause: error },
  );
}

/** Throws the error of invalid `options` for `new <name>()`. */
export function checkOptions(name: string, options: QueueOptions): void {
  const { maxsize = 0, bufferSize = DEFAULT_BUFFER } = options;
  if (typeof maxsize !== "number") {
    throw new TypeError(
      `Cannot create ${name} as maxsize must be a number: received ${typeof maxsize}`,
    );
  }
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fff_ffff) {
    throw new RangeError(
      `Cannot create ${name} as maxsize must be a non-negative integer: received ${maxsize}`,
    );
  }
  checkBufferSize(name, bufferSize);
}

/** `Queue.put()`. */
export function putOn(
  owner: object,
  ring: Ring,
  item: unknown,
  options: QueueWaitOptions,
): Promise<void> {
  // Not async: an item that goes in at once costs no promise of its own.
  let op;
  try {
    if (options.timeout !== undefined) {
      checkTimeout(`put() on ${owner.constructor.name}`, options.timeout);
    }
    options.signal?.throwIfAborted();
    const encoded = encodeScratch(item, "item", true);
    op = new Writer(ring, encoded.buf, encoded.length);
    if (stepSpinning(ring, op)) return PUT;
    op.own();
  } catch (error) {
    return Promise.reject(closedError(error, owner.constructor.name, "put"));
  }
  return finishLater(owner, ring, op, options, "put");
}

/** The rest of a `put()`/`get()` that the ring did not answer at once. */
async function finishLater(
  owner: object,
  ring: Ring,
  op: Writer | Reader,
  options: QueueWaitOptions,
  verb: "put" | "get",
): Promise<void> {
  const name = owner.constructor.name;
  const call = verb === "put" ? `put() on ${name}` : `get() from ${name}`;
  try {
    await runAsync(ring, op, call, options);
  } catch (error) {
    throw closedError(error, name, verb);
  }
}

/** `Queue.putSync()`. */
export function putOnSync(
  owner: object,
  ring: Ring,
  item: unknown,
  options: QueueSyncOptions,
): void {
  const name = owner.constructor.name;
  if (options.timeout !== undefined) {
    checkTimeout(`putSync() on ${name}`, options.timeout);
  }
  const encoded = encodeScratch(item, "item", true);
  const op = new Writer(ring, encoded.buf, encoded.length);
  try {
    if (op.step() !== DONE) {
      runSync(ring, op, `putSync() on ${name}`, options.timeout);
    }
  } catch (error) {
    throw closedError(error, name, "put");
  }
}

/** `Queue.tryPut()`. */
export function tryPutOn(owner: object, ring: Ring, item: unknown): boolean {
  const name = owner.constructor.name;
  const encoded = encodeScratch(item, "item", true);
  const op = new Writer(ring, encoded.buf, encoded.length);
  if (!op.whole) {
    throw new RangeError(
      `Cannot tryPut() on ${name} as the item takes more than half its buffer: received ${encoded.length} bytes; use put()`,
    );
  }
  try {
    if (op.step() === DONE) return true;
  } catch (error) {
    throw closedError(error, name, "put");
  }
  op.cancel();
  return false;
}

/** `Queue.get()`. */
export function getFrom(
  owner: object,
  ring: Ring,
  options: QueueWaitOptions,
): Promise<unknown> {
  // Not async: an item already there costs one resolved promise.
  let op;
  try {
    if (options.timeout !== undefined) {
      checkTimeout(`get() from ${owner.constructor.name}`, options.timeout);
    }
    options.signal?.throwIfAborted();
    op = new Reader(ring, decodeShared);
    if (stepSpinning(ring, op)) return Promise.resolve(op.value);
  } catch (error) {
    return Promise.reject(closedError(error, owner.constructor.name, "get"));
  }
  return finishLater(owner, ring, op, options, "get").then(() => op.value);
}

/** `Queue.getSync()`. */
export function getFromSync(
  owner: object,
  ring: Ring,
  options: QueueSyncOptions,
): unknown {
  const name = owner.constructor.name;
  if (options.timeout !== undefined) {
    checkTimeout(`getSync() from ${name}`, options.timeout);
  }
  const op = new Reader(ring, decodeShared);
  try {
    if (op.step() !== DONE) {
      runSync(ring, op, `getSync() from ${name}`, options.timeout);
    }
  } catch (error) {
    throw closedError(error, name, "get");
  }
  return op.value;
}

/** `Queue.tryGet()`. */
export function tryGetFrom(owner: object, ring: Ring): TryGetResult<unknown> {
  const op = new Reader(ring, decodeShared, true);
  let word: number;
  try {
    word = op.step();
    if (word !== DONE && op.streaming) {
      runSync(ring, op, `tryGet() from ${owner.constructor.name}`);
      word = DONE;
    }
  } catch (error) {
    if (error instanceof RingClosedError) return { ok: false };
    throw error;
  }
  if (word === DONE) return { ok: true, value: op.value };
  op.cancel();
  return { ok: false };
}
