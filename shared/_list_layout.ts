/**
 * The memory layout of a `ShareableList` in its block.
 *
 * Int32 words first: a magic number (`"mpLS"`), the item count, then one
 * slot of four words per item (the byte offset of its bytes, their
 * capacity, the item's type tag, the bytes used). The items' bytes follow,
 * each at its offset, 8-byte aligned, in a capacity fixed at creation:
 * numbers as float64, bigints as int64, booleans as one byte, strings as
 * UTF-8, bytes as they are, `null` as nothing.
 *
 * @module
 */
import { quote } from "./_quote.ts";
import type { ShareableItem } from "./shareable_list.ts";

/** The first word of every list. */
export const MAGIC = 0x6d704c53; // "mpLS"
const HEADER = 8; // magic, length
const SLOT_META = 16; // Int32 words: offset, capacity, tag, used bytes
const NULL = 0;
const NUMBER = 1;
const BIGINT = 2;
const BOOLEAN = 3;
const STRING = 4;
const BYTES = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An item as stored: its type tag and its bytes. */
export type StoredItem = [tag: number, payload: Uint8Array];

/** Where the items of a new list go and how big its block is. */
export interface ListPlan {
  /** Each item's capacity in bytes. */
  capacities: number[];
  /** Byte offset of the first item's bytes. */
  dataStart: number;
  /** The block's size in bytes. */
  size: number;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** The Int32 words of the header and slots of a list of `length` items. */
export function headerWords(length: number): number {
  return (HEADER + length * SLOT_META) / 4;
}

/** Encodes `value`, item `index`, to its tag and payload bytes. */
export function encodeItem(index: number, value: unknown): StoredItem {
  const where = `Cannot store ShareableList item ${index}`;
  const scratch = new DataView(new ArrayBuffer(8));
  if (value === null) return [NULL, new Uint8Array(0)];
  switch (typeof value) {
    case "number":
      scratch.setFloat64(0, value, true);
      return [NUMBER, new Uint8Array(scratch.buffer)];
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 63n) {
        throw new RangeError(
          `${where} as a bigint must fit in 64 bits: received ${quote(value)}`,
        );
      }
      scratch.setBigInt64(0, value, true);
      return [BIGINT, new Uint8Array(scratch.buffer)];
    case "boolean":
      return [BOOLEAN, new Uint8Array([value ? 1 : 0])];
    case "string":
      return [STRING, encoder.encode(value)];
  }
  if (value instanceof Uint8Array) return [BYTES, value];
  throw new TypeError(
    `${where} as it must be a number, bigint, boolean, string, Uint8Array or null: received ${
      quote(value)
    }`,
  );
}

/**
 * Sizes a new list: each item gets its own size, or `maxSize` bytes when
 * given, rounded up to 8.
 *
 * @throws {RangeError} When an item outgrows `maxSize`, or the list 2 GiB.
 */
export function planList(
  items: StoredItem[],
  maxSize: number | undefined,
): ListPlan {
  const capacities = items.map(([, payload], i) => {
    const need = align8(Math.max(8, payload.length));
    if (maxSize === undefined) return need;
    if (payload.length > maxSize) {
      throw new RangeError(
        `Cannot create ShareableList as item ${i} needs ${payload.length} bytes, more than maxSize ${maxSize}`,
      );
    }
    return align8(maxSize);
  });
  const dataStart = align8(HEADER + items.length * SLOT_META);
  const size = dataStart + capacities.reduce((sum, c) => sum + c, 0);
  if (size > 2 ** 31 - 1) {
    throw new RangeError(
      `Cannot create ShareableList as it would need ${size} bytes, more than 2 GiB`,
    );
  }
  return { capacities, dataStart, size };
}

/** Writes a new list into `buffer`, laid out as `plan` says. */
export function writeList(
  buffer: Uint8Array<SharedArrayBuffer>,
  items: StoredItem[],
  plan: ListPlan,
): void {
  const words = new Int32Array(
    buffer.buffer,
    buffer.byteOffset,
    headerWords(items.length),
  );
  words[0] = MAGIC;
  words[1] = items.length;
  let offset = plan.dataStart;
  items.forEach(([tag, payload], i) => {
    words[2 + i * 4] = offset;
    words[3 + i * 4] = plan.capacities[i]!;
    words[4 + i * 4] = tag;
    words[5 + i * 4] = payload.length;
    buffer.set(payload, offset);
    offset += plan.capacities[i]!;
  });
}

/** Reads item `i` (a fresh `Uint8Array` copy for bytes). */
export function readItem(
  words: Int32Array,
  bytes: Uint8Array<SharedArrayBuffer>,
  i: number,
): ShareableItem {
  const offset = words[2 + i * 4]!;
  const tag = words[4 + i * 4]!;
  const used = words[5 + i * 4]!;
  switch (tag) {
    case NUMBER:
      return new DataView(bytes.buffer, bytes.byteOffset + offset, 8)
        .getFloat64(0, true);
    case BIGINT:
      return new DataView(bytes.buffer, bytes.byteOffset + offset, 8)
        .getBigInt64(0, true);
    case BOOLEAN:
      return bytes[offset] === 1;
    case STRING:
      return decoder.decode(bytes.slice(offset, offset + used));
    case BYTES:
      return bytes.slice(offset, offset + used);
    default:
      return null;
  }
}

/** The capacity of item `i`'s slot, in bytes. */
export function capacityOf(words: Int32Array, i: number): number {
  return words[3 + i * 4]!;
}

/** Stores `item` as item `i`; the caller checked that it fits. */
export function writeItem(
  words: Int32Array,
  bytes: Uint8Array<SharedArrayBuffer>,
  i: number,
  [tag, payload]: StoredItem,
): void {
  bytes.set(payload, words[2 + i * 4]!);
  words[4 + i * 4] = tag;
  words[5 + i * 4] = payload.length;
}
