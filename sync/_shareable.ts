/**
 * The shareable protocol: how an object that lives in shared memory crosses
 * into another worker.
 *
 * A shareable class implements `[describe]()`, returning plain, structured
 * clonable data (its `SharedArrayBuffer`s, offsets, ports) tagged with a
 * `kind`, and a static `[revive](data)` that builds a working instance over
 * the same memory from that data. The classes need no registry import: the
 * symbols are global (`Symbol.for`), and the one registry of kinds lives in
 * `ipc/_transfer.ts`, which sees every shareable class.
 *
 * @module
 */

/** Method through which a shareable instance describes itself. */
export const describe: unique symbol = Symbol.for(
  "@mp/multiprocessing.describe",
) as never;

/** Static method that revives a description into a working instance. */
export const revive: unique symbol = Symbol.for(
  "@mp/multiprocessing.revive",
) as never;

/** What a shareable instance describes itself as. */
export interface Description {
  /** The registry kind, e.g. `"sync.Lock"`. Unique per class. */
  kind: string;
  /** Structured-clonable data (no functions, no class instances). */
  data: unknown;
}

/** An instance that can cross into another worker over the same memory. */
export interface Shareable {
  /** Describes this instance as clonable data. */
  [describe](): Description;
}

/** A class whose instances are shareable. */
export interface ShareableClass<T extends Shareable = Shareable> {
  /** Builds a working instance from `data`. */
  [revive](data: never): T;
}

/** Whether `value` implements the shareable protocol. */
export function isShareable(value: unknown): value is Shareable {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Shareable>)[describe] === "function";
}
