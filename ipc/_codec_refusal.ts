/**
 * What the codec refuses to encode, and how it says so: functions,
 * symbols, class instances with methods, `WeakMap`/`WeakSet`/`WeakRef`,
 * promises, blobs, and shared memory (a `SharedArrayBuffer`, a view of one,
 * a shareable object over one) in bytes that may leave the process (a
 * socket, a subprocess) or that a worker no bootstrap linked to the SAB hub
 * writes into a ring. The encoder throws
 * an `EncodeFailure`; each container it passes through on the way out adds
 * its step to the path, and the caller turns it into a `TypeError` such as
 * `Cannot send item.args[2] as it is a function: received function f`.
 *
 * @module
 */
import { isShareable } from "../sync/_shareable.ts";
import { describeValue, hasMethods, keySeg } from "./_unclonable.ts";

/** How a container reached a part, for the failure's path. */
export const INDEX = 0;
export const KEY = 1;
export const MAP_KEY = 2;
export const MAP_VALUE = 3;
export const SET_VALUE = 4;

/** Thrown inside the encoder; carries the path of the failing part. */
export class EncodeFailure {
  readonly segs: string[] = [];
  constructor(
    readonly what: string,
    readonly received: string,
    readonly range = false,
  ) {}

  /** Records one step of the path, innermost first. */
  at(at: string | number, how: number): void {
    this.segs.push(
      how === INDEX
        ? `[${at}]`
        : how === KEY
        ? keySeg(String(at))
        : how === MAP_KEY
        ? `.keys()[${at}]`
        : how === MAP_VALUE
        ? `.values()[${at}]`
        : `.values()[${at}]`,
    );
  }

  /** The error to throw to the caller; `name` names the root value. */
  toError(name: string): Error {
    const path = name + [...this.segs].reverse().join("");
    const message =
      `Cannot send ${path} as it is ${this.what}: received ${this.received}`;
    return this.range ? new RangeError(message) : new TypeError(message);
  }
}

const SHARED_HINT =
  "shared memory cannot leave this process: use a Manager proxy instead";

/**
 * Why object `o` (not plain, not one of the kinds the codec writes) cannot
 * be encoded, or `undefined` when it can go as its own properties. `proto`
 * is its prototype; `undefined` checks a view's buffer only.
 */
export function refusal(
  o: object,
  proto: object | undefined,
): EncodeFailure | undefined {
  if (o instanceof SharedArrayBuffer) {
    return new EncodeFailure(
      "shared memory, which cannot be written as bytes",
      `SharedArrayBuffer; ${SHARED_HINT}`,
    );
  }
  if (ArrayBuffer.isView(o)) {
    return o.buffer instanceof SharedArrayBuffer
      ? new EncodeFailure(
        "a view of shared memory, which cannot be written as bytes",
        `${describeValue(o)}; ${SHARED_HINT}`,
      )
      : undefined;
  }
  if (isShareable(o)) {
    return new EncodeFailure(
      "a shared object, which cannot be written as bytes",
      `${describeValue(o)}; ${SHARED_HINT}`,
    );
  }
  if (o instanceof MessagePort) {
    return new EncodeFailure(
      "a MessagePort, which cannot be written as bytes",
      `${describeValue(o)}; pass it to the worker in a postMessage() instead`,
    );
  }
  if (
    (proto !== undefined && hasMethods(proto)) || o instanceof WeakMap ||
    o instanceof WeakSet || o instanceof Promise || o instanceof WeakRef ||
    o instanceof Blob
  ) {
    return new EncodeFailure(
      "not clonable",
      `${describeValue(o)}; send plain data instead`,
    );
  }
  return undefined;
}

/**
 * The failure for shared memory written into a ring by a worker that this
 * package did not start (so not linked to the SAB hub).
 */
export function unlinked(o: SharedArrayBuffer): EncodeFailure {
  return new EncodeFailure(
    "shared memory, and this worker was not started by Process or Pool (so no other thread could find it)",
    `${
      describeValue(o)
    }; send it from the main thread or a worker of a Process or Pool`,
  );
}
