/**
 * Typed shared memory over `SharedArrayBuffer`: Python's `Value`, `Array`,
 * `RawValue`, `RawArray`, `sharedctypes` structures and `shared_memory`.
 *
 * Every object here lives in shared memory and crosses into workers over the
 * same memory (through the shareable protocol), so a write in one worker is
 * seen by all. Element types are Python's type codes (`"i"`, `"d"`, `"q"` …)
 * or readable names (`"int32"`, `"float64"` …), and the TypeScript types
 * follow them: `SharedValue<"i">` holds a `number`, `SharedValue<"q">` a
 * `bigint`.
 *
 * @example Python's `Value('d', 0.0)` and `Array('i', range(10))`
 * ```ts
 * import { SharedArray, SharedValue } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const num = new SharedValue("d", 0.0);
 * const arr = new SharedArray("i", Array.from({ length: 10 }, (_, i) => i));
 *
 * // In a worker that received them:
 * num.value = 3.1415927;
 * for (let i = 0; i < arr.length; i++) arr.set(i, -arr.get(i));
 *
 * assert.equal(num.value, 3.1415927);
 * assert.deepEqual(arr.toArray(), [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
 * ```
 *
 * @module
 */
export * from "./dtype.ts";
export * from "./raw_value.ts";
export * from "./shared_value.ts";
export * from "./raw_array.ts";
export * from "./shared_array.ts";
export * from "./shared_struct.ts";
export * from "./struct_array.ts";
export * from "./shared_memory.ts";
export * from "./shareable_list.ts";
