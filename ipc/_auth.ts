/**
 * The connection handshake: Python 3.12's mutual HMAC challenge, in frames
 * of `_wire.ts` (tags 16–20).
 *
 * The server speaks first. Without an authkey it sends `OPEN` (tag 20) and
 * the connection is up. With one, each side challenges the other, server
 * first, exactly as `multiprocessing.connection` does:
 *
 * 1. challenger → `CHALLENGE` (16): `"{sha256}"` + 40 random bytes;
 * 2. answerer → `RESPONSE` (17): `"{sha256}"` + HMAC-SHA256(authkey, challenge);
 * 3. challenger compares in constant time → `WELCOME` (18) or `FAILURE` (19).
 *
 * Then the roles swap. Every handshake frame is read with a 256-byte cap
 * (checked from the header, before any allocation), exactly (never past the
 * frame, so the data frames that follow stay on the stream), and the whole
 * handshake has a deadline after which the stream is aborted. A key on one
 * side only, a wrong key, a malformed or oversized frame: each is an
 * `AuthenticationError` on the side that sees it, and the other side sees
 * `FAILURE` or the stream closing, which is an `AuthenticationError` too.
 *
 * @module
 */
import type { Frame } from "./_wire.ts";

/** Largest handshake payload accepted, in bytes. */
export const HANDSHAKE_FRAME_LIMIT = 256;

/** Default deadline of a whole handshake, in milliseconds. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** Handshake frame tags (16–31 are reserved for authentication). */
export const AuthTag = {
  challenge: 16,
  response: 17,
  welcome: 18,
  failure: 19,
  open: 20,
} as const;

const PREFIX = new TextEncoder().encode("{sha256}");
const CHALLENGE_BYTES = 40;

/**
 * The peer failed (or refused) the authentication handshake: a wrong or
 * missing `authkey`, a malformed handshake, or no answer in time.
 *
 * @example Catching a wrong key
 * ```ts
 * import { AuthenticationError, connect, listen } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using listener = await listen({
 *   address: { hostname: "127.0.0.1", port: 0 },
 *   authkey: "right",
 * });
 * const accepted = listener.accept().catch((e) => e);
 * await assert.rejects(
 *   connect({ address: listener.address, authkey: "wrong" }),
 *   AuthenticationError,
 * );
 * assert.ok((await accepted) instanceof AuthenticationError);
 * ```
 */
export class AuthenticationError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthenticationError";
  }
}

/** The byte stream a handshake runs over. */
export interface HandshakeStream {
  /** Reads exactly one frame; rejects when its payload exceeds `limit`. */
  readFrame(limit: number): Promise<Frame | null>;
  /** Writes one frame. */
  writeFrame(tag: number, payload: Uint8Array): Promise<void>;
  /** Breaks the stream so that pending reads and writes settle. */
  abort(): void;
}

/** An authkey as bytes; strings are UTF-8 encoded. */
export type Authkey = Uint8Array | string;

/**
 * Checks and normalises an authkey option.
 *
 * @throws {TypeError} when it is neither a string nor a `Uint8Array`.
 * @throws {RangeError} when it is empty.
 */
export function toAuthkeyBytes(
  authkey: Authkey | undefined,
  owner: string,
): Uint8Array | undefined {
  if (authkey === undefined) return undefined;
  let bytes: Uint8Array;
  if (typeof authkey === "string") bytes = new TextEncoder().encode(authkey);
  else if (authkey instanceof Uint8Array) bytes = authkey.slice();
  else {
    throw new TypeError(
      `Cannot ${owner} as authkey must be a string or a Uint8Array: received ${typeof authkey}`,
    );
  }
  if (bytes.byteLength === 0) {
    throw new RangeError(
      `Cannot ${owner} as authkey must not be empty: received ""`,
    );
  }
  return bytes;
}

async function hmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const digest = await crypto.subtle.sign(
    "HMAC",
    cryptoKey,
    message as Uint8Array<ArrayBuffer>,
  );
  return concat(PREFIX, new Uint8Array(digest));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** Compares two byte strings in time that depends only on their lengths. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.byteLength ^ b.byteLength;
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function expect(
  stream: HandshakeStream,
  tags: readonly number[],
  what: string,
): Promise<Frame> {
  let frame: Frame | null;
  try {
    frame = await stream.readFrame(HANDSHAKE_FRAME_LIMIT);
  } catch (error) {
    throw new AuthenticationError(
      `Cannot authenticate as the peer sent a malformed handshake instead of ${what}`,
      { cause: error },
    );
  }
  if (frame === null) {
    throw new AuthenticationError(
      `Cannot authenticate as the peer closed the connection instead of sending ${what}`,
    );
  }
  if (!tags.includes(frame.tag)) {
    throw new AuthenticationError(
      `Cannot authenticate as the peer sent frame tag ${frame.tag} instead of ${what}`,
    );
  }
  return frame;
}

async function challenge(stream: HandshakeStream, key: Uint8Array) {
  const message = concat(
    PREFIX,
    crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES)),
  );
  await stream.writeFrame(AuthTag.challenge, message);
  const { payload } = await expect(stream, [AuthTag.response], "a response");
  if (!timingSafeEqual(payload, await hmac(key, message))) {
    await stream.writeFrame(AuthTag.failure, new Uint8Array()).catch(() => {});
    throw new AuthenticationError(
      "Cannot authenticate the peer as its response does not match: check that both sides use the same authkey",
    );
  }
  await stream.writeFrame(AuthTag.welcome, new Uint8Array());
}

async function answer(
  stream: HandshakeStream,
  key: Uint8Array,
  message: Uint8Array,
) {
  if (
    message.byteLength < PREFIX.byteLength + 20 ||
    !timingSafeEqual(message.subarray(0, PREFIX.byteLength), PREFIX)
  ) {
    throw new AuthenticationError(
      "Cannot authenticate as the peer's challenge is malformed: expected {sha256} and at least 20 random bytes",
    );
  }
  await stream.writeFrame(AuthTag.response, await hmac(key, message));
  const { tag } = await expect(
    stream,
    [AuthTag.welcome, AuthTag.failure],
    "a verdict",
  );
  if (tag === AuthTag.failure) {
    throw new AuthenticationError(
      "Cannot authenticate as the peer rejected our response: check that both sides use the same authkey",
    );
  }
}

async function serverSide(stream: HandshakeStream, key?: Uint8Array) {
  if (key === undefined) {
    await stream.writeFrame(AuthTag.open, new Uint8Array());
    return;
  }
  await challenge(stream, key);
  const { payload } = await expect(stream, [AuthTag.challenge], "a challenge");
  await answer(stream, key, payload);
}

async function clientSide(stream: HandshakeStream, key?: Uint8Array) {
  const first = await expect(
    stream,
    [AuthTag.open, AuthTag.challenge],
    "a greeting",
  );
  if (first.tag === AuthTag.open) {
    if (key !== undefined) {
      throw new AuthenticationError(
        "Cannot authenticate as the server does not use an authkey: connect without one",
      );
    }
    return;
  }
  if (key === undefined) {
    await stream.writeFrame(AuthTag.failure, new Uint8Array()).catch(() => {});
    throw new AuthenticationError(
      "Cannot authenticate as the server requires an authkey: pass authkey",
    );
  }
  await answer(stream, key, first.payload);
  await challenge(stream, key);
}

/**
 * Runs the handshake for `role` on `stream`, with `key` (or without
 * authentication when it is `undefined`), within `timeout` milliseconds.
 * On any failure the stream is aborted before the error is thrown.
 *
 * @throws {AuthenticationError} on a wrong or missing key, a malformed
 * handshake, or no answer in time.
 */
export async function handshake(
  role: "server" | "client",
  stream: HandshakeStream,
  key: Uint8Array | undefined,
  timeout: number = DEFAULT_HANDSHAKE_TIMEOUT,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new AuthenticationError(
          `Cannot authenticate as the peer did not complete the handshake within ${timeout} ms`,
          { cause: new DOMException("Handshake timed out", "TimeoutError") },
        ),
      );
    }, timeout);
  });
  const run = role === "server"
    ? serverSide(stream, key)
    : clientSide(stream, key);
  try {
    await Promise.race([run, deadline]);
  } catch (error) {
    stream.abort();
    await run.catch(() => {});
    if (error instanceof AuthenticationError) throw error;
    throw new AuthenticationError(
      "Cannot authenticate as the connection broke during the handshake",
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}
