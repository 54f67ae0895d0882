/**
 * Arrays of records in shared memory, as ctypes `Structure * n`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { checkIndex } from "./_index.ts";
import {
  layoutFor,
  type SharedStruct,
  type StructFields,
  type StructInstance,
  type StructRecordData,
} from "./shared_struct.ts";

/** Data that rebuilds an array of records over the same memory. */
export interface StructArrayData extends StructRecordData {
  /** Number of records. */
  length: number;
}

/**
 * Records of one `SharedStruct` layout laid out one after another in shared
 * memory (ctypes `Structure * n`). Made by `SharedStruct.array(n)`.
 *
 * @typeParam F The layout's fields.
 *
 * @example
 * ```ts
 * import { SharedStruct } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const Particle = new SharedStruct({ pos: ["f", 3], alive: "?" });
 * const particles = Particle.array(2);
 * particles.get(1).pos.set(0, 0.5);
 * particles.get(1).alive = true;
 * assert.deepEqual([...particles].map((p) => p.alive), [false, true]);
 * assert.equal(particles.get(1).pos.get(0), 0.5);
 * ```
 */
export class StructArray<const F extends StructFields = StructFields> {
  #layout: SharedStruct<F>;
  #buffer: SharedArrayBuffer;
  #byteOffset: number;
  #length: number;

  /**
   * Not for direct use: call `SharedStruct.array()`.
   *
   * @param layout The record layout.
   * @param buffer The shared memory.
   * @param byteOffset Where the first record starts.
   * @param length Number of records.
   */
  constructor(
    layout: SharedStruct<F>,
    buffer: SharedArrayBuffer,
    byteOffset: number,
    length: number,
  ) {
    this.#layout = layout;
    this.#buffer = buffer;
    this.#byteOffset = byteOffset;
    this.#length = length;
  }

  /** The number of records. */
  get length(): number {
    return this.#length;
  }

  /** The record layout. */
  get layout(): SharedStruct<F> {
    return this.#layout;
  }

  /**
   * The record at `index` (a view: writes go to shared memory).
   *
   * @param index The position; negative counts from the end.
   * @returns The record.
   * @throws {RangeError} If `index` is out of range.
   */
  get(index: number): StructInstance<F> {
    const i = checkIndex("StructArray", "record", index, this.#length);
    return this.#layout.at(
      this.#buffer,
      this.#byteOffset + i * this.#layout.size,
    );
  }

  /** Iterates over the records. */
  *[Symbol.iterator](): IterableIterator<StructInstance<F>> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /**
   * Describes this array for another worker.
   *
   * @returns `{ kind: "shared.StructArray", data }`.
   */
  [describe](): { kind: string; data: StructArrayData } {
    return {
      kind: "shared.StructArray",
      data: {
        fields: this.#layout.fields,
        buffer: this.#buffer,
        byteOffset: this.#byteOffset,
        length: this.#length,
      },
    };
  }

  /**
   * Rebuilds an array of records over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns An array over the same memory.
   */
  static [revive](data: StructArrayData): StructArray {
    return new StructArray(
      layoutFor(data.fields),
      data.buffer,
      data.byteOffset,
      data.length,
    );
  }
}
