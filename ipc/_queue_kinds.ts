/**
 * The table of the package's queue classes: the kind each one's instances
 * describe themselves as, and whether its rings count unfinished items.
 *
 * `Queue` cannot import its variants, which extend it in files of their own.
 * Instead each class's file adds its row here when it loads. This file
 * imports nothing, so a row can be added at load time whatever the order in
 * which the files load. A row is looked up along the prototype chain, so a
 * user's subclass behaves as the package class it extends.
 *
 * @module
 */

/** What the table knows of one queue class. */
export interface QueueClassInfo {
  /** The kind its instances describe themselves as, e.g. `"ipc.Queue"`. */
  kind: string;
  /** Whether its rings keep the `UNFINISHED` count (`JoinableQueue`). */
  joinable: boolean;
}

const table = new WeakMap<object, QueueClassInfo>();

/** Adds the row of a package queue class. */
export function registerQueueClass(
  cls: abstract new (...args: never[]) => unknown,
  info: QueueClassInfo,
): void {
  table.set(cls.prototype as object, info);
}

/**
 * The row of the nearest package queue class on the prototype chain of
 * `object` (an instance, or a class's `prototype`).
 */
export function queueClassOf(object: object): QueueClassInfo | undefined {
  for (
    let p: object | null = object;
    p !== null;
    p = Object.getPrototypeOf(p)
  ) {
    const info = table.get(p);
    if (info !== undefined) return info;
  }
  return undefined;
}
