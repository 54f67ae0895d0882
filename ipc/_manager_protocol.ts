/**
 * The Manager's request/response protocol, in frames of `_wire.ts` (tags
 * 32–34) over an authenticated socket.
 *
 * - `REQUEST` (32): `[callId, objectId, method, args]`. Object `0` is the
 *   server itself (`create`, `register`, `shutdown`, `ping`).
 * - `RESPONSE` (33): `[callId, 0, value]` or `[callId, 1, error]`.
 * - `CANCEL` (34): `[callId]`: the caller stopped waiting (its `signal`
 *   aborted); the server aborts that call's wait.
 *
 * Bodies are encoded with `_codec.ts` after the transfer walk of
 * `_transfer.ts` (`crossProcess`): Manager proxies inside values travel as
 * descriptions (address, authkey, object id) and are revived on the other
 * side, errors as records. Nothing in decoding runs code. A call's id is
 * unique per connection; responses may come in any order (a waiting call
 * does not hold up the calls behind it).
 *
 * @module
 */
import { decode, encode, type Encoded, encodeScratch } from "./_codec.ts";
import { fromTransferable, MARK, toTransferable } from "./_transfer.ts";

/** Frame tags of the Manager protocol. */
export const ManagerTag = {
  request: 32,
  response: 33,
  cancel: 34,
} as const;

/** A call on a server object. */
export type Request = [
  callId: number,
  objectId: number,
  method: string,
  args: unknown[],
];

/** The outcome of a call: `[id, 0, value]` or `[id, 1, error]`. */
export type Response = [callId: number, failed: 0 | 1, value: unknown];

/**
 * Whether `body` holds only primitives and arrays of primitives (most
 * requests and responses), which the transfer walk would return as is.
 */
function isFlat(body: unknown[]): boolean {
  for (let i = 0; i < body.length; i++) {
    const item = body[i];
    if (typeof item === "object" && item !== null) {
      if (!Array.isArray(item)) return false;
      for (let j = 0; j < item.length; j++) {
        const inner = item[j];
        const type = typeof inner;
        if (
          (type === "object" && inner !== null) || type === "function" ||
          type === "symbol"
        ) return false;
      }
    } else if (typeof item === "function" || typeof item === "symbol") {
      return false;
    }
  }
  return true;
}

function prepare(body: unknown[], name: string): unknown {
  return isFlat(body)
    ? body
    : toTransferable(body, { crossProcess: true, name });
}

/** Encodes a message body; `name` names it in error messages. */
export function encodeBody(body: unknown[], name: string): Uint8Array {
  return encode(prepare(body, name), name);
}

/**
 * Encodes a message body into the codec's scratch buffer, valid until the
 * next encoding (for a lane, which copies it at once).
 */
export function encodeBodyScratch(body: unknown[], name: string): Encoded {
  return encodeScratch(prepare(body, name), name);
}

/** Decodes a message body and revives what it carries. */
export function decodeBody(payload: Uint8Array): unknown {
  return fromTransferable(decode(payload));
}

/**
 * The message inside a decoded body before revival: the envelope of the
 * transfer walk wraps only bodies that needed a copy.
 */
export function unwrap(value: unknown): unknown {
  return typeof value === "object" && value !== null &&
      !Array.isArray(value) &&
      (value as Record<string, unknown>)[MARK] === "value"
    ? (value as { value: unknown }).value
    : value;
}

/** Whether `value` has the shape of a request. */
export function isRequest(value: unknown): value is Request {
  return Array.isArray(value) && value.length === 4 &&
    typeof value[0] === "number" && typeof value[1] === "number" &&
    typeof value[2] === "string" && Array.isArray(value[3]);
}

/** Whether `value` has the shape of a response. */
export function isResponse(value: unknown): value is Response {
  return Array.isArray(value) && value.length === 3 &&
    typeof value[0] === "number" && (value[1] === 0 || value[1] === 1);
}
