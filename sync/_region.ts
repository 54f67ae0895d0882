/**
 * The shared words a primitive lives in.
 *
 * Every primitive of `sync/` keeps its whole state in a few consecutive
 * `Int32` words of a `SharedArrayBuffer`: a fresh buffer of its own by
 * default, or a region of a caller's `Int32Array` (so that `shared/` can embed
 * a lock next to the data it protects). The region is described to other
 * workers as `{ buffer, offset }` (a byte offset) and revived over the same
 * memory.
 *
 * @module
 */

/** The clonable data of a primitive's shareable description. */
export interface RegionData {
  /** The shared buffer holding the primitive's words. */
  buffer: SharedArrayBuffer;
  /** Byte offset of the first word in `buffer`. */
  offset: number;
}

/**
 * Returns an `Int32Array` of exactly `words` words: a fresh one, or the first
 * `words` words of `memory` after checking it. `name` names the primitive in
 * error messages.
 */
export function regionOf(
  name: string,
  words: number,
  memory: Int32Array | undefined,
): Int32Array {
  if (memory === undefined) {
    return new Int32Array(new SharedArrayBuffer(words * 4));
  }
  if (
    !(memory instanceof Int32Array) ||
    !(memory.buffer instanceof SharedArrayBuffer)
  ) {
    throw new TypeError(
      `Cannot create ${name} as memory must be an Int32Array over a SharedArrayBuffer: received ${
        describeValue(memory)
      }`,
    );
  }
  if (memory.length < words) {
    throw new RangeError(
      `Cannot create ${name} as memory must hold at least ${words} words: received ${memory.length}`,
    );
  }
  return new Int32Array(memory.buffer, memory.byteOffset, words);
}

let adopting: Int32Array | undefined;

/**
 * Calls `build` (a constructor call) so that `adoptedRegion()`, called
 * first thing in the constructor, returns `region`: how `[revive]`
 * rebuilds a primitive whose constructor initialises its words, over
 * words as they are.
 */
export function reviveOver<T>(region: Int32Array, build: () => T): T {
  adopting = region;
  try {
    return build();
  } finally {
    adopting = undefined;
  }
}

/** In a constructor: the region `reviveOver()` hands it, if any (once). */
export function adoptedRegion(): Int32Array | undefined {
  const region = adopting;
  adopting = undefined;
  return region;
}

/** The description data of a region. */
export function regionData(i32: Int32Array): RegionData {
  return { buffer: i32.buffer as SharedArrayBuffer, offset: i32.byteOffset };
}

/** Rebuilds a region from its description data, checking it. */
export function regionFrom(
  name: string,
  words: number,
  data: RegionData,
): Int32Array {
  if (
    typeof data !== "object" || data === null ||
    !(data.buffer instanceof SharedArrayBuffer) ||
    !Number.isInteger(data.offset) || data.offset < 0 ||
    data.offset % 4 !== 0 || data.offset + words * 4 > data.buffer.byteLength
  ) {
    throw new TypeError(
      `Cannot revive ${name} as its data must be { buffer: SharedArrayBuffer, offset } with room for ${words} words: received ${
        describeValue(data)
      }`,
    );
  }
  return new Int32Array(data.buffer, data.offset, words);
}

/** A short, safe rendering of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    return value.constructor?.name ?? "object";
  }
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
