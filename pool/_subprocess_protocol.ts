/**
 * The frames between a parent and a `"subprocess"` child, over the child's
 * stdin (parent → child) and stdout (child → parent). Its one mechanism:
 * carry the `_protocol.ts` messages across a process boundary, where there
 * is no shared memory.
 *
 * Frames use `ipc/_wire.ts` (8-byte header) with the pool's tags (48–63):
 *
 * | tag       | direction      | payload                                          |
 * | --------- | -------------- | ------------------------------------------------ |
 * | `MESSAGE` | both           | a protocol message, encoded with `ipc/_codec.ts` |
 * | `CLAIM`   | child → parent | task seq, int32 little-endian: it starts now     |
 * | `STDOUT`  | child → parent | bytes the child printed to stdout                |
 * | `STDERR`  | child → parent | bytes the child printed to stderr                |
 * | `BRIDGE`  | child → parent | a call on a bridged Queue or pipe end (`BridgeCall`) |
 * | `REPLY`   | parent → child | the outcome of a bridged call (`BridgeReply`)    |
 *
 * What changes on the way: the `init` message carries no shared memory (the
 * agent table and the control block stay in the parent; the child makes its
 * own), and `abort` never crosses (the parent kills the child instead, which
 * is a subprocess's hard stop). A child writes its `CLAIM` synchronously
 * before it runs the task, so that when it dies (even out of memory) the
 * parent knows exactly which task it was running.
 *
 * Everything decoded from a child is checked (`checkChildMessage`): a child
 * runs untrusted code, and a bad message must not reach the pool.
 *
 * @module
 */
import { decode, encodeScratch } from "../ipc/_codec.ts";
import { HEADER_SIZE, writeHeader } from "../ipc/_wire.ts";
import {
  type ChildMessage,
  type ParentMessage,
  RESULT_WORDS,
} from "./_protocol.ts";

/** A protocol message, encoded with the codec. */
export const MESSAGE = 48;
/** The child claimed a task (int32 seq). */
export const CLAIM = 49;
/** Bytes for the parent's stdout. */
export const STDOUT = 50;
/** Bytes for the parent's stderr. */
export const STDERR = 51;

/** A call on a bridged object (`_subprocess_bridge.ts`), codec-encoded. */
export const BRIDGE = 52;
/** The outcome of a bridged call, codec-encoded. */
export const REPLY = 53;

/**
 * A child's call on a bridged object: call id `c`, object id `o`, method
 * `op` and its arguments `a`. Two ops are about an earlier call `c` that
 * took an item: `"ack"` (the child has it) and `"nack"` (nobody wants it:
 * the parent puts it back).
 */
export interface BridgeCall {
  c: number;
  o: number;
  op: string;
  a: unknown[];
}

/** The outcome of call `c`: a value, or an error record. */
export type BridgeReply =
  | { c: number; ok: true; v: unknown }
  | { c: number; ok: false; e: unknown };

/** A parent message as it crosses: `init` without its shared memory. */
export type WireParentMessage =
  | Omit<Extract<ParentMessage, { t: "init" }>, "agents" | "control">
  | Exclude<ParentMessage, { t: "init" } | { t: "abort" }>;

/** Returns one buffer holding a frame with tag `tag` around `payload`. */
export function frame(tag: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.byteLength);
  writeHeader(out, 0, tag, payload.byteLength);
  out.set(payload, HEADER_SIZE);
  return out;
}

/**
 * Encodes a protocol message as a `MESSAGE` frame.
 *
 * @throws {TypeError} naming the part that cannot be encoded.
 */
export function encodeMessage(message: unknown, name: string): Uint8Array {
  const encoded = encodeScratch(message, name);
  const out = new Uint8Array(HEADER_SIZE + encoded.length);
  writeHeader(out, 0, MESSAGE, encoded.length);
  out.set(encoded.buf.subarray(0, encoded.length), HEADER_SIZE);
  return out;
}

/** Encodes a `CLAIM` frame for task `seq`. */
export function encodeClaim(seq: number): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + 4);
  writeHeader(out, 0, CLAIM, 4);
  new DataView(out.buffer).setInt32(HEADER_SIZE, seq, true);
  return out;
}

/**
 * Reads the seq of a `CLAIM` payload.
 *
 * @throws {TypeError} when the payload is not 4 bytes.
 */
export function decodeClaim(payload: Uint8Array): number {
  if (payload.byteLength !== 4) {
    throw new TypeError(
      `Cannot decode a claim frame as it must hold 4 bytes: received ${payload.byteLength}`,
    );
  }
  return new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0, true);
}

/** The form of `message` that crosses to a child (`undefined`: none). */
export function toWire(message: ParentMessage): WireParentMessage | undefined {
  switch (message.t) {
    case "init": {
      const { agents: _agents, blocks: _blocks, control: _control, ...rest } =
        message;
      return rest;
    }
    case "abort":
      return undefined;
    default:
      return message;
  }
}

function bad(what: string): never {
  throw new TypeError(`Cannot read a message from the child as ${what}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes a `MESSAGE` payload from a child and checks its shape.
 *
 * @throws {TypeError} when the bytes are malformed or the message is not a
 * child message.
 */
export function decodeChildMessage(payload: Uint8Array): ChildMessage {
  const message = decode(payload);
  if (!isRecord(message)) bad("it is not an object");
  switch (message.t) {
    case "ready":
      return { t: "ready" };
    case "results": {
      const batch = message.batch;
      if (!Array.isArray(batch) || batch.length % RESULT_WORDS !== 0) {
        bad(`its batch is not a list of ${RESULT_WORDS}-word results`);
      }
      for (let i = 0; i < batch.length; i += RESULT_WORDS) {
        if (!Number.isInteger(batch[i]) || !Number.isInteger(batch[i + 1])) {
          bad(`result ${i / RESULT_WORDS} has no integer seq and status`);
        }
      }
      return { t: "results", batch };
    }
    case "exit": {
      const { code, phase, error } = message;
      if (!Number.isInteger(code) || typeof phase !== "string") {
        bad("its exit has no integer code and phase");
      }
      if (error !== null && !isRecord(error)) {
        bad("its exit error is not a record");
      }
      return message as ChildMessage;
    }
    default:
      bad(`its type is unknown: received ${JSON.stringify(String(message.t))}`);
  }
}

/**
 * Decodes a `MESSAGE` payload from the parent.
 *
 * @throws {TypeError} when the bytes are malformed or it is not a message.
 */
export function decodeParentMessage(payload: Uint8Array): WireParentMessage {
  const message = decode(payload);
  if (
    !isRecord(message) ||
    !["init", "run", "retire"].includes(message.t as string)
  ) {
    throw new TypeError(
      "Cannot read a message from the parent as it is not a protocol message",
    );
  }
  return message as WireParentMessage;
}

/**
 * Decodes a `BRIDGE` payload from a child and checks its shape.
 *
 * @throws {TypeError} when the bytes are malformed or it is not a call.
 */
export function decodeBridgeCall(payload: Uint8Array): BridgeCall {
  const call = decode(payload);
  if (
    !isRecord(call) || !Number.isInteger(call.c) || !Number.isInteger(call.o) ||
    typeof call.op !== "string" || !Array.isArray(call.a)
  ) bad("its bridge call has no integer ids, op and argument list");
  return call as unknown as BridgeCall;
}

/**
 * Decodes a `REPLY` payload from the parent.
 *
 * @throws {TypeError} when the bytes are malformed or it is not a reply.
 */
export function decodeBridgeReply(payload: Uint8Array): BridgeReply {
  const reply = decode(payload);
  if (!isRecord(reply) || !Number.isInteger(reply.c)) {
    throw new TypeError(
      "Cannot read a reply from the parent as it is not a bridge reply",
    );
  }
  return reply as unknown as BridgeReply;
}

/** Encodes `body` as a frame with tag `tag` (`BRIDGE` or `REPLY`). */
export function encodeBridge(tag: number, body: unknown): Uint8Array {
  const encoded = encodeScratch(body, "value");
  return frame(tag, encoded.buf.subarray(0, encoded.length));
}
