/**
 * The process-wide table of named shared-memory blocks behind
 * `SharedMemory`: one growable `SharedArrayBuffer` (the arena) that holds a
 * header, a fixed table of named entries, and the blocks themselves.
 *
 * Workers cannot look up each other's objects, and a `SharedArrayBuffer`
 * cannot point at another one, so the names and the memory live together in
 * one buffer that every thread of the process tree holds: the main thread
 * makes it lazily, a worker receives it (its bootstrap calls
 * `joinBlockTable`, and every `SharedMemory` description carries it too), and
 * then `attach(name)` is a synchronous scan of shared memory (well under a
 * microsecond per entry) that needs no other thread's event loop. The arena
 * reserves `MAX_ARENA` bytes of address space and commits pages only as it
 * grows; a growable buffer's growth is seen by every thread at once.
 *
 * Layout (byte offsets):
 *
 * - header, 64 bytes of `Int32` words: 0 the table mutex (0 free, 1 held,
 *   2 held with sleepers), 1 a magic number, 2 the entry count, 3 a counter
 *   for generations, 4–5 a random table id (to tell tables apart after
 *   structured cloning);
 * - `ENTRIES` entries of `ENTRY_BYTES`: `Int32` state (0 free, 1 named,
 *   2 unlinked but still open), open handles, name length, generation;
 *   `Float64` offset, size and capacity; then the UTF-8 name;
 * - the heap: blocks, each at a 64-byte boundary (a cache line), placed
 *   first-fit in the gaps between live blocks or at the end, zero-filled
 *   when handed out.
 *
 * Every change happens under the table mutex (a futex-style word: compare-
 * and-swap, then `Atomics.wait`); the critical sections are short and never
 * wait for anything else. A block's memory is reused only once it is
 * unlinked and every handle on it is closed.
 *
 * @module
 */

const MAGIC = 0x6d705348; // "mpSH"
/** How many named blocks can exist at once. */
export const ENTRIES = 4096;
const ENTRY_BYTES = 128;
/** Longest name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = ENTRY_BYTES - 40;
const HEADER_BYTES = 64;
const HEAP_START = HEADER_BYTES + ENTRIES * ENTRY_BYTES;
const ALIGN = 64;
/** Address space reserved per arena: the sum of live block capacities. */
export const MAX_ARENA = 2 ** 36;

const FREE = 0;
const NAMED = 1;
const UNLINKED = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One arena, with typed views over its header and entries. */
export class BlockTable {
  readonly buffer: SharedArrayBuffer;
  readonly id: string;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, HEAP_START / 4);
    this.#f64 = new Float64Array(buffer, 0, HEAP_START / 8);
    this.#u8 = new Uint8Array(buffer, 0, HEAP_START);
    if (this.#i32[1] !== MAGIC) {
      throw new TypeError("Cannot join SharedMemory table as it is not one");
    }
    this.id = `${this.#i32[4]}:${this.#i32[5]}`;
  }

  /** A new, empty arena. */
  static create(): BlockTable {
    const buffer = new SharedArrayBuffer(HEAP_START, {
      maxByteLength: MAX_ARENA,
    });
    const i32 = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    i32[1] = MAGIC;
    i32[2] = ENTRIES;
    i32[4] = (Math.random() * 2 ** 31) | 0;
    i32[5] = (Math.random() * 2 ** 31) | 0;
    return new BlockTable(buffer);
  }

  #lock(): void {
    const i32 = this.#i32;
    let c = Atomics.compareExchange(i32, 0, 0, 1);
    if (c === 0) return;
    for (let spin = 0; spin < 100 && c !== 0; spin++) {
      Atomics.pause();
      c = Atomics.compareExchange(i32, 0, 0, 1);
    }
    if (c === 0) return;
    if (c !== 2) c = Atomics.exchange(i32, 0, 2);
    while (c !== 0) {
      Atomics.wait(i32, 0, 2);
      c = Atomics.exchange(i32, 0, 2);
    }
  }

  #unlock(): void {
    if (Atomics.exchange(this.#i32, 0, 0) === 2) {
      Atomics.notify(this.#i32, 0, 1);
    }
  }

  #locked<R>(fn: () => R): R {
    this.#lock();
    try {
      return fn();
    } finally {
      this.#unlock();
    }
  }

  #word(entry: number, field: number): number {
    return (HEADER_BYTES + entry * ENTRY_BYTES) / 4 + field;
  }

  #float(entry: number, field: number): number {
    return (HEADER_BYTES + entry * ENTRY_BYTES + 16) / 8 + field;
  }

  #nameAt(entry: number): string {
    const start = HEADER_BYTES + entry * ENTRY_BYTES + 40;
    const length = this.#i32[this.#word(entry, 2)]!;
    return decoder.decode(this.#u8.slice(start, start + length));
  }

  #find(name: Uint8Array): number {
    for (let e = 0; e < ENTRIES; e++) {
      if (this.#i32[this.#word(e, 0)] !== NAMED) continue;
      if (this.#i32[this.#word(e, 2)] !== name.length) continue;
      const start = HEADER_BYTES + e * ENTRY_BYTES + 40;
      let same = true;
      for (let k = 0; k < name.length; k++) {
        if (this.#u8[start + k] !== name[k]) {
          same = false;
          break;
        }
      }
      if (same) return e;
    }
    return -1;
  }

  /** The block at `entry`, if it still has generation `generation`. */
  #block(entry: number): Block {
    return {
      entry,
      generation: this.#i32[this.#word(entry, 3)]!,
      offset: this.#f64[this.#float(entry, 0)]!,
      size: this.#f64[this.#float(entry, 1)]!,
      name: this.#nameAt(entry),
    };
  }

  /** Whether a live block is called `name`. */
  has(name: string): boolean {
    const bytes = encoder.encode(name);
    return this.#locked(() => this.#find(bytes) >= 0);
  }

  /**
   * Allocates a zero-filled block of `size` bytes called `name`, with one
   * open handle. Returns `undefined` if the name is taken.
   */
  create(name: string, size: number): Block | undefined {
    const bytes = encoder.encode(name);
    return this.#locked(() => {
      if (this.#find(bytes) >= 0) return undefined;
      let entry = -1;
      for (let e = 0; e < ENTRIES; e++) {
        if (this.#i32[this.#word(e, 0)] === FREE) {
          entry = e;
          break;
        }
      }
      if (entry < 0) {
        throw new RangeError(
          `Cannot create SharedMemory as ${ENTRIES} blocks already exist: close and unlink some first`,
        );
      }
      const capacity = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
      const offset = this.#place(capacity);
      const end = offset + capacity;
      if (end > this.buffer.byteLength) {
        if (end > MAX_ARENA) {
          throw new RangeError(
            `Cannot create SharedMemory as live blocks would exceed ${MAX_ARENA} bytes: received size ${size}`,
          );
        }
        this.buffer.grow(end);
      }
      new Uint8Array(this.buffer, offset, capacity).fill(0);
      const generation = Atomics.add(this.#i32, 3, 1) + 1;
      this.#i32[this.#word(entry, 1)] = 1;
      this.#i32[this.#word(entry, 2)] = bytes.length;
      this.#i32[this.#word(entry, 3)] = generation;
      this.#f64[this.#float(entry, 0)] = offset;
      this.#f64[this.#float(entry, 1)] = size;
      this.#f64[this.#float(entry, 2)] = capacity;
      this.#u8.set(bytes, HEADER_BYTES + entry * ENTRY_BYTES + 40);
      Atomics.store(this.#i32, this.#word(entry, 0), NAMED);
      return this.#block(entry);
    });
  }

  /** First-fit offset for `capacity` bytes among the live blocks. */
  #place(capacity: number): number {
    const used: [number, number][] = [];
    for (let e = 0; e < ENTRIES; e++) {
      if (this.#i32[this.#word(e, 0)] === FREE) continue;
      const offset = this.#f64[this.#float(e, 0)]!;
      used.push([offset, offset + this.#f64[this.#float(e, 2)]!]);
    }
    used.sort((a, b) => a[0] - b[0]);
    let cursor = HEAP_START;
    for (const [start, end] of used) {
      if (start - cursor >= capacity) return cursor;
      cursor = Math.max(cursor, end);
    }
    return cursor;
  }

  /** Opens one more handle on the block called `name`, if any. */
  attach(name: string): Block | undefined {
    const bytes = encoder.encode(name);
    return this.#locked(() => {
      const entry = this.#find(bytes);
      if (entry < 0) return undefined;
      Atomics.add(this.#i32, this.#word(entry, 1), 1);
      return this.#block(entry);
    });
  }

  /**
   * Opens one more handle on the block at `entry`, if it is still the block
   * of `generation` (named or unlinked but open).
   */
  reopen(entry: number, generation: number): boolean {
    return this.#locked(() => {
      if (!this.#current(entry, generation)) return false;
      Atomics.add(this.#i32, this.#word(entry, 1), 1);
      return true;
    });
  }

  #current(entry: number, generation: number): boolean {
    return this.#i32[this.#word(entry, 0)] !== FREE &&
      this.#i32[this.#word(entry, 3)] === generation;
  }

  /** Closes one handle; frees the block if it was the last and unlinked. */
  close(entry: number, generation: number): void {
    this.#locked(() => {
      if (!this.#current(entry, generation)) return;
      const left = Atomics.sub(this.#i32, this.#word(entry, 1), 1) - 1;
      if (left <= 0 && this.#i32[this.#word(entry, 0)] === UNLINKED) {
        Atomics.store(this.#i32, this.#word(entry, 0), FREE);
      }
    });
  }

  /**
   * Removes the name of the block; frees it once no handle is open.
   * Returns `false` if it was already unlinked.
   */
  unlink(entry: number, generation: number): boolean {
    return this.#locked(() => {
      if (
        !this.#current(entry, generation) ||
        this.#i32[this.#word(entry, 0)] !== NAMED
      ) {
        return false;
      }
      const open = this.#i32[this.#word(entry, 1)]!;
      Atomics.store(
        this.#i32,
        this.#word(entry, 0),
        open <= 0 ? FREE : UNLINKED,
      );
      return true;
    });
  }

  /** The names of the live (not unlinked) blocks. */
  names(): string[] {
    return this.#locked(() => {
      const out: string[] = [];
      for (let e = 0; e < ENTRIES; e++) {
        if (this.#i32[this.#word(e, 0)] === NAMED) out.push(this.#nameAt(e));
      }
      return out;
    });
  }
}

/** A block handed out by the table. */
export interface Block {
  entry: number;
  generation: number;
  offset: number;
  size: number;
  name: string;
}

let primary: BlockTable | undefined;
const known = new Map<string, BlockTable>();

/** This thread's table (made on first use), to hand to a new worker. */
export function blockTable(): SharedArrayBuffer {
  return primaryTable().buffer;
}

/** This thread's table, made on first use. */
export function primaryTable(): BlockTable {
  if (primary === undefined) {
    primary = BlockTable.create();
    known.set(primary.id, primary);
  }
  return primary;
}

/**
 * Joins a table received from another thread: it becomes this thread's own
 * table unless this thread already has one, and `attach` searches it either
 * way. Returns the table.
 */
export function joinBlockTable(buffer: SharedArrayBuffer): BlockTable {
  const table = new BlockTable(buffer);
  const same = known.get(table.id);
  if (same !== undefined) return same;
  known.set(table.id, table);
  primary ??= table;
  return table;
}

/** Every table this thread knows, its own first. */
export function knownTables(): BlockTable[] {
  const out = primary === undefined ? [] : [primary];
  for (const table of known.values()) if (table !== primary) out.push(table);
  return out;
}
