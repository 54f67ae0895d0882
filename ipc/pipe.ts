/**
 * `pipe()`: two connected `Connection`s over shared memory.
 *
 * @module
 */
import { checkBufferSize, Ring } from "./_ring.ts";
import { RingTransport } from "./_ring_transport.ts";
import { Connection } from "./connection.ts";

/** Options of `pipe()`. */
export interface PipeOptions {
  /**
   * Whether both ends send and receive (the default, `true`). With `false`
   * the first end only receives and the second only sends, as in Python.
   */
  duplex?: boolean;
  /**
   * Bytes of shared memory per direction, rounded up to a power of two
   * (256 B to 1 GiB); a message larger than half of it streams through in
   * chunks while the other end reads. Default 256 KiB.
   */
  bufferSize?: number;
}

const DEFAULT_BUFFER = 256 * 1024;

/**
 * Creates a pipe (Python's `multiprocessing.Pipe`): two connected ends
 * that can each be passed into a Worker. Messages keep their order and
 * never interleave; a message of any size passes. Needs no permission
 * flag. Values go as bytes (the types `Queue` carries); a shared object
 * cannot be sent through a pipe.
 *
 * @typeParam T The values sent.
 * @param options See `PipeOptions`.
 * @returns The two ends: with `duplex: false`, `[receiver, sender]`.
 * @throws {TypeError} when `duplex` or `bufferSize` has the wrong type.
 * @throws {RangeError} when `bufferSize` is out of range.
 *
 * @example
 * ```ts
 * import { pipe } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const [receiver, sender] = pipe<number[]>({ duplex: false });
 * await sender.send([1, 2, 3]);
 * assert.deepEqual(await receiver.recv(), [1, 2, 3]);
 * await assert.rejects(receiver.send([4]), TypeError);
 * sender.close();
 * receiver.close();
 * ```
 */
export function pipe<T = unknown>(
  options: PipeOptions = {},
): [Connection<T>, Connection<T>] {
  const { duplex = true, bufferSize = DEFAULT_BUFFER } = options;
  if (typeof duplex !== "boolean") {
    throw new TypeError(
      `Cannot create pipe as duplex must be a boolean: received ${typeof duplex}`,
    );
  }
  checkBufferSize("pipe", bufferSize);
  const forward = Ring.create({ capacity: bufferSize });
  if (!duplex) {
    return [
      new Connection<T>(new RingTransport(forward, undefined)),
      new Connection<T>(new RingTransport(undefined, forward)),
    ];
  }
  const backward = Ring.create({ capacity: bufferSize });
  return [
    new Connection<T>(new RingTransport(forward, backward)),
    new Connection<T>(new RingTransport(backward, forward)),
  ];
}
