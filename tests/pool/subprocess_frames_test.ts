// The parent's side of the subprocess frame channel: what a misbehaving
// child can write (random bytes, messages of the wrong shape) is refused
// without crashing or hanging the parent.
import assert from "node:assert/strict";
import { FrameDecoder, HEADER_SIZE, writeHeader } from "../../ipc/_wire.ts";
import {
  CLAIM,
  decodeChildMessage,
  decodeClaim,
  encodeMessage,
  MESSAGE,
  STDOUT,
} from "../../pool/_subprocess_protocol.ts";

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("subprocess frames: random bytes never crash or hang the parent's decoders", () => {
  const next = random(0x5eed);
  const byte = () => Math.floor(next() * 256);
  const valid = encodeMessage({ t: "results", batch: [1, 0, 9, 0, 0] }, "m");
  for (let round = 0; round < 3000; round++) {
    let bytes: Uint8Array;
    const kind = round % 3;
    if (kind === 0) {
      // Pure noise.
      bytes = Uint8Array.from({ length: Math.floor(next() * 64) }, byte);
    } else if (kind === 1) {
      // A valid frame with some bytes flipped.
      bytes = valid.slice();
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
        bytes[Math.floor(next() * bytes.length)] = byte();
      }
    } else {
      // A well-formed header of a pool tag around a noise payload.
      const payload = Uint8Array.from(
        { length: Math.floor(next() * 40) },
        byte,
      );
      bytes = new Uint8Array(HEADER_SIZE + payload.length);
      writeHeader(
        bytes,
        0,
        [MESSAGE, CLAIM, STDOUT][round % 3]!,
        payload.length,
      );
      bytes.set(payload, HEADER_SIZE);
    }
    const decoder = new FrameDecoder({ maxFrameSize: 1 << 20 });
    try {
      // Fed in random pieces, as a pipe delivers them.
      let at = 0;
      while (at < bytes.length) {
        const end = Math.min(bytes.length, at + 1 + Math.floor(next() * 16));
        decoder.push(bytes.subarray(at, end));
        at = end;
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
          if (f.tag === MESSAGE) decodeChildMessage(f.payload);
          else if (f.tag === CLAIM) decodeClaim(f.payload);
        }
      }
      decoder.end();
    } catch (error) {
      assert.ok(
        error instanceof TypeError || error instanceof RangeError,
        `round ${round}: ${error}`,
      );
      assert.match((error as Error).message, /^Cannot /, `round ${round}`);
    }
  }
});

Deno.test("subprocess frames: a child message of the wrong shape is refused", () => {
  const cases: unknown[] = [
    42,
    [],
    { t: "hello" },
    { t: "results", batch: [1, 2, 3] },
    { t: "results", batch: ["1", 0, 1, 0, 0] },
    { t: "exit", code: "0", phase: "done", error: null },
    { t: "exit", code: 0, phase: "done", error: 5 },
  ];
  for (const message of cases) {
    const frame = encodeMessage(message, "m");
    assert.throws(
      () => decodeChildMessage(frame.subarray(HEADER_SIZE)),
      /Cannot read a message from the child/,
    );
  }
  assert.throws(() => decodeClaim(new Uint8Array(3)), /must hold 4 bytes/);
});
