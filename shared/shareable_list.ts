/**
 * A fixed-length list of numbers, bigints, booleans, strings, bytes and
 * nulls in a named shared-memory block, as Python's
 * `shared_memory.ShareableList`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { checkLength } from "./_codec.ts";
import {
  capacityOf,
  encodeItem,
  headerWords,
  MAGIC,
  planList,
  readItem,
  writeItem,
  writeList,
} from "./_list_layout.ts";
import { checkIndex } from "./_index.ts";
import { quote } from "./_quote.ts";
import { SharedMemory, type SharedMemoryData } from "./shared_memory.ts";

/**
 * What a `ShareableList` holds: Python's `int` (as `bigint`, 64-bit, or as a
 * `number`), `float` (`number`), `bool`, `str` (`string`), `bytes`
 * (`Uint8Array`) and `None` (`null`).
 */
export type ShareableItem =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | null;

/** Options of {@linkcode ShareableList}. */
export interface ShareableListOptions {
  /** Name of the block that holds the list. Default: a fresh random name. */
  name?: string;
  /**
   * Bytes reserved for each item (at least 8). A string (UTF-8) or bytes
   * value longer than its slot is a `RangeError`, now or on a later `set()`.
   * Default: each initial item's own size, rounded up to 8 bytes (Python's
   * rule), so a slot never grows.
   */
  maxSize?: number;
}

/** Handle construction is private: the constructor and `attach` only. */
const token = Symbol("ShareableList");

/**
 * A fixed-length list in a named shared-memory block (Python's
 * `shared_memory.ShareableList`): any worker of the process can attach to it
 * by name, or receive it as a value. Each item keeps a fixed slot, so a
 * string or bytes value may not outgrow it (`maxSize` reserves room).
 *
 * Writing an item is not atomic: guard writers that race with a `Lock`.
 *
 * @example Round-trip every item type
 * ```ts
 * import { ShareableList } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * using list = new ShareableList(
 *   ["howdy", new Uint8Array([1, 2]), 42n, 0.5, true, null],
 *   { maxSize: 16 },
 * );
 * list.set(0, "hello, world!");
 * using same = ShareableList.attach(list.name);
 * assert.deepEqual(same.toArray(), [
 *   "hello, world!", new Uint8Array([1, 2]), 42n, 0.5, true, null,
 * ]);
 * assert.throws(() => list.set(0, "x".repeat(17)), RangeError);
 * list.shm.unlink();
 * ```
 */
export class ShareableList {
  #shm: SharedMemory;
  #words: Int32Array<SharedArrayBuffer>;
  #bytes: Uint8Array<SharedArrayBuffer>;
  #length: number;

  /**
   * Creates the list in a new named block.
   *
   * @param values The items; the list keeps their number forever.
   * @param options The block's name and the room reserved per item.
   * @throws {TypeError} If an item has an unsupported type.
   * @throws {RangeError} If an item is larger than `maxSize`, or `maxSize`
   * is not an integer of at least 8.
   * @throws {Deno.errors.AlreadyExists} If the name is taken.
   */
  constructor(values: Iterable<ShareableItem>, options?: ShareableListOptions);
  /** Not for direct use: the handle behind `attach` and `[revive]`. */
  constructor(values: never, options: never, key: symbol);
  constructor(
    values: Iterable<ShareableItem> | SharedMemory,
    options: ShareableListOptions = {},
    key?: symbol,
  ) {
    if (key === token && values instanceof SharedMemory) {
      this.#shm = values;
    } else {
      this.#shm = ShareableList.#make(
        values as Iterable<ShareableItem>,
        options,
      );
    }
    const buffer = this.#shm.buffer;
    this.#bytes = buffer;
    const words = new Int32Array(buffer.buffer, buffer.byteOffset, 2);
    if (words[0] !== MAGIC) {
      throw new TypeError(
        `Cannot open ShareableList as block ${
          quote(this.#shm.name)
        } does not hold one`,
      );
    }
    this.#length = words[1]!;
    this.#words = new Int32Array(
      buffer.buffer,
      buffer.byteOffset,
      headerWords(this.#length),
    );
  }

  static #make(
    values: Iterable<ShareableItem>,
    options: ShareableListOptions,
  ): SharedMemory {
    if (
      values === null || typeof values !== "object" ||
      typeof values[Symbol.iterator] !== "function"
    ) {
      throw new TypeError(
        `Cannot create ShareableList as values must be iterable: received ${
          quote(values)
        }`,
      );
    }
    const items = [...values].map((value, i) => encodeItem(i, value));
    let maxSize: number | undefined;
    if (options.maxSize !== undefined) {
      maxSize = checkLength("Cannot create ShareableList", options.maxSize);
      if (maxSize < 8) {
        throw new RangeError(
          `Cannot create ShareableList as maxSize must be at least 8: received ${maxSize}`,
        );
      }
    }
    const plan = planList(items, maxSize);
    const shm = SharedMemory.create(
      options.name === undefined
        ? { size: plan.size }
        : { name: options.name, size: plan.size },
    );
    writeList(shm.buffer, items, plan);
    return shm;
  }

  /**
   * Opens the list held by the named block, from any worker of the process.
   *
   * @param name The name of the list's block.
   * @returns A new handle on the list.
   * @throws {Deno.errors.NotFound} If no block has that name.
   * @throws {TypeError} If the block does not hold a `ShareableList`.
   *
   * @example
   * ```ts
   * import { ShareableList } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * using list = new ShareableList([1, 2, 3], { name: "numbers" });
   * using same = ShareableList.attach("numbers");
   * same.set(0, 10);
   * assert.equal(list.get(0), 10);
   * list.shm.unlink();
   * ```
   */
  static attach(name: string): ShareableList {
    return new ShareableList(
      SharedMemory.attach(name) as never,
      undefined as never,
      token,
    );
  }

  /** The number of items (fixed). */
  get length(): number {
    return this.#length;
  }

  /** The name of the block that holds the list. */
  get name(): string {
    return this.#shm.name;
  }

  /** The block that holds the list (Python's `shm`). */
  get shm(): SharedMemory {
    return this.#shm;
  }

  #slot(index: number): number {
    const i = checkIndex("ShareableList", "item", index, this.#length);
    if (this.#shm.closed) {
      throw new TypeError(
        `Cannot use ShareableList ${quote(this.name)} as this handle is closed`,
      );
    }
    return i;
  }

  /**
   * Reads one item.
   *
   * @param index The position; negative counts from the end.
   * @returns The item (a fresh `Uint8Array` copy for bytes).
   * @throws {RangeError} If `index` is out of range.
   */
  get(index: number): ShareableItem {
    const i = this.#slot(index);
    return readItem(this.#words, this.#bytes, i);
  }

  /**
   * Replaces one item; its type may change, its size must fit the slot.
   *
   * @param index The position; negative counts from the end.
   * @param value The new item.
   * @throws {RangeError} If `index` is out of range or `value` is larger
   * than the slot.
   * @throws {TypeError} If `value` has an unsupported type.
   */
  set(index: number, value: ShareableItem): void {
    const i = this.#slot(index);
    const item = encodeItem(i, value);
    const capacity = capacityOf(this.#words, i);
    if (item[1].length > capacity) {
      throw new RangeError(
        `Cannot store ShareableList item ${i} as it needs ${
          item[1].length
        } bytes and its slot holds ${capacity}: received ${quote(value)}`,
      );
    }
    writeItem(this.#words, this.#bytes, i, item);
  }

  /** Iterates over the items. */
  *[Symbol.iterator](): IterableIterator<ShareableItem> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /**
   * Copies the items into a plain array.
   *
   * @returns A new `Array` of the items.
   */
  toArray(): ShareableItem[] {
    return [...this];
  }

  /**
   * Counts the items equal to `value` (`Object.is`; bytes by content).
   *
   * @param value The item to look for.
   * @returns How many items equal it.
   */
  count(value: ShareableItem): number {
    return this.toArray().filter((item) => same(item, value)).length;
  }

  /**
   * Finds the first item equal to `value` (`Object.is`; bytes by content).
   *
   * @param value The item to look for.
   * @returns Its position, or `-1`.
   */
  index(value: ShareableItem): number {
    return this.toArray().findIndex((item) => same(item, value));
  }

  /** Closes this handle on the block (`list.shm.close()`). */
  close(): void {
    this.#shm.close();
  }

  /** Closes this handle at the end of a `using` scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Describes this list for another worker.
   *
   * @returns `{ kind: "shared.ShareableList", data }`.
   */
  [describe](): { kind: string; data: SharedMemoryData } {
    return { kind: "shared.ShareableList", data: this.#shm[describe]().data };
  }

  /**
   * Opens a new handle on the list of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A new handle on the same list.
   */
  static [revive](data: SharedMemoryData): ShareableList {
    return new ShareableList(
      SharedMemory[revive](data) as never,
      undefined as never,
      token,
    );
  }

  /** Shows the items in `console.log`. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options: unknown) => string,
    options: unknown,
  ): string {
    return `ShareableList(${inspect(this.toArray(), options)}, name=${
      quote(this.name)
    })`;
  }
}

function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return Object.is(a, b);
}
