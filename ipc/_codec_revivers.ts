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
import { VIEWS } from "./_codec_format.ts";
import { lookupKind } from "./_kinds.ts";
import { resolveSab } from "./_sab_hub.ts";
import { deserializeError, type ErrorRecord } from "./_transfer.ts";

/** What these readers need from the decoder. */
export interface RecordSource {
  refs: unknown[];
  buf: Uint8Array;
  pos: number;
  /** Whether SAB hub ids may appear (a ring's message). */
  sabs: boolean;
  bad(what: string): never;
  need(n: number): void;
  u32(): number;
  value(): unknown;
  reserve(): number;
}

/** The buffer a SAB hub id names, where ids may appear. */
function sabOf(d: RecordSource, id: number): SharedArrayBuffer {
  if (!d.sabs) d.bad("shared memory id in bytes from outside this process");
  return resolveSab(id);
}

/** Reads a `SharedArrayBuffer` sent by its SAB hub id. */
export function readSab(d: RecordSource): SharedArrayBuffer {
  const index = d.reserve();
  const sab = sabOf(d, d.u32());
  d.refs[index] = sab;
  return sab;
}

/** Reads a view of a `SharedArrayBuffer` sent by its SAB hub id. */
export function readSabView(d: RecordSource): ArrayBufferView {
  const index = d.reserve();
  d.need(1);
  const entry = VIEWS[d.buf[d.pos++]!];
  if (entry === undefined) d.bad("view kind unknown");
  const id = d.u32(), offset = d.u32(), length = d.u32();
  const sab = sabOf(d, id);
  const [Ctor, size] = entry;
  if (
    length % size !== 0 || offset % size !== 0 ||
    offset + length > sab.byteLength
  ) d.bad(`view of shared memory #${id} is out of its bounds`);
  const n = Ctor === (DataView as unknown) ? length : length / size;
  const view = new Ctor(sab as unknown as ArrayBuffer, offset, n);
  d.refs[index] = view;
  return view;
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
