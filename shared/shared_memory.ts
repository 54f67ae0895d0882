/**
 * Named blocks of shared memory that any worker of the process can attach
 * to by name, as Python's `multiprocessing.shared_memory.SharedMemory`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import {
  attachBlock,
  createBlock,
  type Found,
  reopenBlock,
} from "./_block_lookup.ts";
import type { Block, BlockTable } from "./_block_table.ts";
import { checkLength } from "./_codec.ts";
import { quote } from "./_quote.ts";
import { type DType, dtype } from "./dtype.ts";
import { RawArray } from "./raw_array.ts";

/** Options of {@linkcode SharedMemory.create}. */
export interface SharedMemoryCreateOptions {
  /**
   * The block's name, unique in the process (at most 88 UTF-8 bytes).
   * Default: a fresh random name such as `"psm_1f3a9c07"`.
   */
  name?: string;
  /** Size of the block in bytes: a positive integer. */
  size: number;
}

/** Data that reopens a `SharedMemory` block in another worker. */
export interface SharedMemoryData {
  /** The process-wide table of blocks (its memory holds the block too). */
  table: SharedArrayBuffer;
  /** The block's entry in the table. */
  entry: number;
  /** The entry's generation, so a reused entry is never mistaken for it. */
  generation: number;
  /** Byte offset of the block in `table`. */
  offset: number;
  /** Size of the block in bytes. */
  size: number;
  /** The block's name. */
  name: string;
}

const token = Symbol("SharedMemory");

/**
 * A named block of shared memory (Python's `shared_memory.SharedMemory`).
 * `SharedMemory.create()` makes one; `SharedMemory.attach(name)` opens it
 * from any worker of the process; it also crosses into workers as a value.
 *
 * The names live in a process-wide table that every worker started by this
 * package receives. A block's memory is reused only once it is unlinked and
 * every handle on it is closed (as in Python, each worker should `close()`
 * its handle and one of them `unlink()` the block); views taken from a
 * handle must not be used after that.
 *
 * @example Create, attach by name, unlink
 * ```ts
 * import { SharedMemory } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const shm = SharedMemory.create({ name: "frames", size: 16 });
 * shm.buffer.set([1, 2, 3]);
 *
 * // In any worker of the process:
 * const other = SharedMemory.attach("frames");
 * assert.deepEqual([...other.buffer.subarray(0, 3)], [1, 2, 3]);
 * other.close();
 *
 * shm.close();
 * shm.unlink();
 * assert.throws(() => SharedMemory.attach("frames"), Deno.errors.NotFound);
 * ```
 */
export class SharedMemory {
  #table: BlockTable;
  #block: Block;
  #bytes: Uint8Array<SharedArrayBuffer> | undefined;

  /**
   * Not for direct use: call `SharedMemory.create()` or
   * `SharedMemory.attach()`.
   *
   * @param key Private.
   * @param table Private.
   * @param block Private.
   * @throws {TypeError} Always, when called directly.
   */
  constructor(key: symbol, table: never, block: never) {
    if (key !== token) {
      throw new TypeError(
        "Cannot construct SharedMemory directly: call SharedMemory.create() or SharedMemory.attach()",
      );
    }
    this.#table = table as BlockTable;
    this.#block = block as Block;
    this.#bytes = new Uint8Array(
      this.#table.buffer,
      this.#block.offset,
      this.#block.size,
    );
  }

  /**
   * Creates a zero-filled block.
   *
   * @param options Its `size` and, optionally, `name`.
   * @returns An open handle on the new block.
   * @throws {Deno.errors.AlreadyExists} If a block of that name exists.
   * @throws {RangeError} If `size` is not a positive integer, the name is
   * empty or too long, or the process holds too many blocks.
   * @throws {TypeError} If `name` is not a string or `size` not a number.
   *
   * @example
   * ```ts
   * import { SharedMemory } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * using shm = SharedMemory.create({ size: 1024 });
   * assert.match(shm.name, /^psm_/);
   * assert.equal(shm.size, 1024);
   * assert.ok(shm.buffer.every((byte) => byte === 0));
   * shm.unlink();
   * ```
   */
  static create(options: SharedMemoryCreateOptions): SharedMemory {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create SharedMemory as options must be an object with a size: received ${
          quote(options)
        }`,
      );
    }
    const size = checkLength("Cannot create SharedMemory", options.size);
    if (size === 0) {
      throw new RangeError(
        "Cannot create SharedMemory as size must be a positive integer: received 0",
      );
    }
    return open(createBlock(options.name, size));
  }

  /**
   * Opens an existing block by name, from any worker of the process.
   *
   * @param name The block's name.
   * @returns A new open handle on the block.
   * @throws {Deno.errors.NotFound} If no block has that name (never
   * created, or unlinked).
   * @throws {TypeError} If `name` is not a string.
   *
   * @example
   * ```ts
   * import { SharedMemory } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * using shm = SharedMemory.create({ name: "attach-example", size: 8 });
   * using same = SharedMemory.attach("attach-example");
   * same.buffer[0] = 42;
   * assert.equal(shm.buffer[0], 42);
   * shm.unlink();
   * ```
   */
  static attach(name: string): SharedMemory {
    return open(attachBlock(name));
  }

  /** The block's name, unique in the process. */
  get name(): string {
    return this.#block.name;
  }

  /** The block's size in bytes. */
  get size(): number {
    return this.#block.size;
  }

  /** Whether this handle was closed. */
  get closed(): boolean {
    return this.#bytes === undefined;
  }

  /**
   * The block's bytes (Python's `buf`): a `Uint8Array` of `size` bytes over
   * shared memory.
   *
   * @throws {TypeError} If this handle is closed.
   */
  get buffer(): Uint8Array<SharedArrayBuffer> {
    if (this.#bytes === undefined) {
      throw new TypeError(
        `Cannot use SharedMemory ${quote(this.name)} as this handle is closed`,
      );
    }
    return this.#bytes;
  }

  /**
   * A typed array (as a `RawArray`) over part of the block, e.g. to lay
   * `Float64` samples into it.
   *
   * @param type The element type.
   * @param byteOffset Where the array starts; a multiple of the element
   * size. Default `0`.
   * @param length Number of elements. Default: as many as fit.
   * @returns A `RawArray` over the block's memory.
   * @throws {RangeError} If the array does not fit or is misaligned.
   * @throws {TypeError} If the type is unknown or the handle is closed.
   *
   * @example
   * ```ts
   * import { SharedMemory } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * using shm = SharedMemory.create({ size: 32 });
   * const samples = shm.array("d");
   * assert.equal(samples.length, 4);
   * samples.set(3, 0.5);
   * assert.equal(new Float64Array(shm.buffer.slice().buffer)[3], 0.5);
   * shm.unlink();
   * ```
   */
  array<T extends DType>(
    type: T,
    byteOffset = 0,
    length?: number,
  ): RawArray<T> {
    const bytes = this.buffer;
    const size = dtype(type).size;
    checkLength("Cannot make SharedMemory array", byteOffset);
    const fits = Math.floor(
      (bytes.length - Math.min(byteOffset, bytes.length)) / size,
    );
    const n = length === undefined
      ? fits
      : checkLength("Cannot make SharedMemory array", length);
    if (byteOffset % size !== 0 || n > fits) {
      throw new RangeError(
        `Cannot make SharedMemory array as ${n} elements of "${type}" at byte ${byteOffset} do not fit, aligned, in ${bytes.length} bytes`,
      );
    }
    return RawArray[revive]({
      type,
      buffer: bytes.buffer,
      byteOffset: bytes.byteOffset + byteOffset,
      length: n,
    }) as RawArray<T>;
  }

  /**
   * Closes this handle (other handles stay open). Calling it again does
   * nothing.
   *
   * @example
   * ```ts
   * import { SharedMemory } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const shm = SharedMemory.create({ size: 8 });
   * shm.unlink();
   * shm.close();
   * assert.equal(shm.closed, true);
   * assert.throws(() => shm.buffer, TypeError);
   * ```
   */
  close(): void {
    if (this.#bytes === undefined) return;
    this.#bytes = undefined;
    this.#table.close(this.#block.entry, this.#block.generation);
  }

  /**
   * Removes the block's name, so it can no longer be attached to; its memory
   * is reused once every handle is closed. Call it once, from any handle.
   *
   * @throws {Deno.errors.NotFound} If the block was already unlinked.
   *
   * @example
   * ```ts
   * import { SharedMemory } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * using shm = SharedMemory.create({ name: "gone", size: 8 });
   * shm.unlink();
   * assert.throws(() => SharedMemory.attach("gone"), Deno.errors.NotFound);
   * assert.throws(() => shm.unlink(), Deno.errors.NotFound);
   * ```
   */
  unlink(): void {
    if (!this.#table.unlink(this.#block.entry, this.#block.generation)) {
      throw new Deno.errors.NotFound(
        `Cannot unlink SharedMemory ${
          quote(this.name)
        } as it was already unlinked`,
      );
    }
  }

  /** Closes this handle at the end of a `using` scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Describes this block for another worker; reviving the description opens
   * a new handle there.
   *
   * @returns `{ kind: "shared.SharedMemory", data }`.
   * @throws {TypeError} If this handle is closed.
   */
  [describe](): { kind: string; data: SharedMemoryData } {
    if (this.closed) {
      throw new TypeError(
        `Cannot send SharedMemory ${quote(this.name)} as this handle is closed`,
      );
    }
    return {
      kind: "shared.SharedMemory",
      data: {
        table: this.#table.buffer,
        entry: this.#block.entry,
        generation: this.#block.generation,
        offset: this.#block.offset,
        size: this.#block.size,
        name: this.#block.name,
      },
    };
  }

  /**
   * Opens a new handle on the block of a description (the receiving worker
   * joins the process's table of names on the way).
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A new open handle.
   * @throws {Deno.errors.NotFound} If the block was unlinked and every
   * handle on it closed meanwhile.
   */
  static [revive](data: SharedMemoryData): SharedMemory {
    return open(reopenBlock(data));
  }

  /** Shows the name and size in `console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return `SharedMemory { name: ${quote(this.name)}, size: ${this.size}${
      this.closed ? ", closed" : ""
    } }`;
  }
}

/** A new handle on a block found by `_block_lookup.ts`. */
function open({ table, block }: Found): SharedMemory {
  return new SharedMemory(token, table as never, block as never);
}
