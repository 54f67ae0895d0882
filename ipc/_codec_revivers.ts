/**
 * The decoder's readers of values rebuilt from a decoded record rather
 * than from raw bytes: errors (through `_transfer.ts`), shared objects
 * (through the kinds registry and their `[revive]`), and boxed primitives.
 * Each reserves its reference index first, decodes its record with the
 * decoder, checks its shape, then builds the value; a failure becomes the
 * decoder's "malformed" `TypeError`.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import { lookupKind } from "./_kinds.ts";
import { deserializeError, type ErrorRecord } from "./_transfer.ts";

/** What these readers need from the decoder. */
export interface RecordSource {
  refs: unknown[];
  bad(what: string): never;
  value(): unknown;
  reserve(): number;
}

/** Reads an error: its record, revived by `deserializeError`. */
export function readError(d: RecordSource): unknown {
  const index = d.reserve();
  const record = d.value();
  if (
    typeof record !== "object" || record === null ||
    typeof (record as ErrorRecord).message !== "string" ||
    typeof (record as ErrorRecord).props !== "object"
  ) d.bad("error record is malformed");
  let error: unknown;
  try {
    error = deserializeError(record as ErrorRecord);
  } catch (e) {
    d.bad(`error record is malformed (${(e as Error).message})`);
  }
  return d.refs[index] = error;
}

/** Reads a shared object: its kind and data, revived by its class. */
export function readShareable(d: RecordSource): unknown {
  const index = d.reserve();
  const kind = d.value();
  const data = d.value();
  if (typeof kind !== "string") {
    d.bad("shared object kind is not a string");
  }
  const cls = lookupKind(kind);
  if (cls === undefined) d.bad(`shared object kind "${kind}" is unknown`);
  try {
    return d.refs[index] = cls[revive](data as never);
  } catch (e) {
    return d.bad(
      `shared object "${kind}" is malformed (${(e as Error).message})`,
    );
  }
}

/** Reads a boxed primitive (`new Number(1)`, `new String("a")` …). */
export function readBoxed(d: RecordSource): unknown {
  const index = d.reserve();
  const inner = d.value();
  const t = typeof inner;
  if (t !== "number" && t !== "string" && t !== "boolean" && t !== "bigint") {
    d.bad("boxed value is not a primitive");
  }
  return d.refs[index] = Object(inner);
}
