/**
 * The receiving half of the transfer walk: revives, in place, the markers
 * that `toTransferable()` left in a value (see `_transfer.ts` for the marker
 * format). A shareable marker becomes an instance of its kind's class
 * (through the registry of `_kinds.ts`), an error record an error, an escaped
 * user object that object again. A memo maps each marker to its revived
 * instance, so shared references and cycles come back as they left.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import { type ErrorRecord, MARK, rebuildError } from "./_error_record.ts";
import { lookupErrorClass, lookupKind } from "./_kinds.ts";

function reviveMarker(
  marker: Record<string, unknown>,
  memo: Map<object, unknown>,
): unknown {
  switch (marker[MARK]) {
    case "shareable": {
      const kind = marker.kind as string;
      const cls = lookupKind(kind);
      if (cls === undefined) {
        throw new TypeError(
          `Cannot revive a shared object as its kind is not registered: received "${kind}"`,
        );
      }
      const instance = cls[revive](marker.data as never);
      memo.set(marker, instance);
      return instance;
    }
    case "error":
      return rebuildError(
        marker as unknown as ErrorRecord,
        (v: unknown) => reviveValue(v, memo),
        lookupErrorClass,
        (e) => memo.set(marker, e),
      );
    case "object": {
      const inner = marker.value as Record<string, unknown>;
      memo.set(marker, inner);
      walkObject(inner, memo);
      return inner;
    }
    default:
      return marker;
  }
}

function walkObject(obj: Record<string, unknown>, memo: Map<object, unknown>) {
  for (const key in obj) {
    const item = obj[key];
    if (typeof item === "object" && item !== null) {
      obj[key] = reviveValue(item, memo);
    }
  }
}

/** Revives every marker inside `value`, in place; returns the result. */
export function reviveValue(
  value: unknown,
  memo: Map<object, unknown> = new Map(),
): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (memo.has(value)) return memo.get(value);
  if (Array.isArray(value)) {
    memo.set(value, value);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" && item !== null) {
        value[i] = reviveValue(item, memo);
      }
    }
    return value;
  }
  if (value instanceof Map) {
    memo.set(value, value);
    const entries = [...value].map((
      [k, v],
    ) => [reviveValue(k, memo), reviveValue(v, memo)]);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    memo.set(value, value);
    const items = [...value].map((v) => reviveValue(v, memo));
    value.clear();
    for (const v of items) value.add(v);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj[MARK] === "string") return reviveMarker(obj, memo);
  memo.set(value, value);
  walkObject(obj, memo);
  return value;
}

/**
 * Revives what {@linkcode toTransferable} produced, after it crossed:
 * descriptions become working instances, records become errors. Values that
 * needed no copy come back unchanged. Revives in place: the argument must be
 * the receiver's own copy.
 *
 * @throws {TypeError} when a description names a kind nobody registered.
 */
