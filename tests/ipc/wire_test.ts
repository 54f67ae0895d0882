import assert from "node:assert/strict";
import {
  encodeFrame,
  encodeHeader,
  FrameDecoder,
  FrameTag,
  HEADER_SIZE,
  readFrames,
} from "../../ipc/_wire.ts";

Deno.test("wire frames round-trip through a decoder fed one byte at a time", () => {
  const frames = [
    encodeFrame(FrameTag.value, new Uint8Array([1, 2, 3])),
    encodeFrame(FrameTag.bytes, new Uint8Array(0)),
    encodeFrame(FrameTag.close, new Uint8Array(70_000).fill(7)),
  ];
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const frame of frames) {
    stream.set(frame, offset);
    offset += frame.length;
  }
  const decoder = new FrameDecoder();
  const out = [];
  for (let i = 0; i < stream.length; i++) {
    decoder.push(stream.subarray(i, i + 1));
    for (let f = decoder.next(); f; f = decoder.next()) out.push(f);
  }
  decoder.end();
  assert.deepEqual(out.map((f) => f.tag), [1, 2, 3]);
  assert.deepEqual(out[0]!.payload, new Uint8Array([1, 2, 3]));
  assert.equal(out[2]!.payload.length, 70_000);
  assert.equal(decoder.buffered, 0);
});

Deno.test("wire decoder rejects a frame over maxFrameSize before allocating it", () => {
  const decoder = new FrameDecoder({ maxFrameSize: 1024 });
  decoder.push(encodeHeader(FrameTag.value, 0xffff_ffff));
  assert.throws(() => decoder.next(), RangeError);
  assert.throws(() => decoder.next(), RangeError); // stays broken
  assert.throws(() => encodeHeader(0, 1), RangeError);
  assert.throws(() => encodeHeader(64, 1), RangeError);
  assert.throws(() => new FrameDecoder({ maxFrameSize: -1 }), RangeError);
});

Deno.test("wire decoder rejects a bad version, tag or flags, and a stream ending inside a frame, with TypeError", () => {
  const bad = (mutate: (h: Uint8Array) => void, pattern: RegExp) => {
    const header = encodeHeader(FrameTag.value, 0);
    mutate(header);
    const decoder = new FrameDecoder();
    decoder.push(header);
    assert.throws(() => decoder.next(), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, pattern);
      return true;
    });
  };
  bad((h) => h[4] = 9, /version/);
  bad((h) => h[5] = 0, /tag/);
  bad((h) => h[5] = 200, /tag/);
  bad((h) => h[6] = 1, /flags/);
  const decoder = new FrameDecoder();
  decoder.push(encodeFrame(FrameTag.value, new Uint8Array(10)).subarray(0, 12));
  assert.equal(decoder.next(), undefined);
  assert.throws(() => decoder.end(), /ended inside/);
});

Deno.test("readFrames() yields the frames of an async byte stream and throws on a truncated one", async () => {
  async function* chunks(parts: Uint8Array[]) {
    for (const part of parts) yield part;
  }
  const frame = encodeFrame(FrameTag.bytes, new Uint8Array([5, 6]));
  const got = [];
  for await (
    const f of readFrames(chunks([frame.subarray(0, 3), frame.subarray(3)]))
  ) {
    got.push(f);
  }
  assert.deepEqual(got, [{ tag: 2, payload: new Uint8Array([5, 6]) }]);
  await assert.rejects(async () => {
    for await (const _ of readFrames(chunks([frame.subarray(0, 9)]))) {
      // nothing
    }
  }, TypeError);
});

Deno.test("wire decoder survives a fuzz of random byte streams: frames or a TypeError/RangeError, never a crash or a hang", () => {
  let seed = 99;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let frames = 0, errors = 0;
  for (let round = 0; round < 5_000; round++) {
    const decoder = new FrameDecoder({ maxFrameSize: 4096 });
    const bytes = new Uint8Array(Math.floor(random() * 64));
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random() < 0.3
        ? [0, 1, 2, 3][Math.floor(random() * 4)]!
        : Math.floor(random() * 256);
    }
    if (random() < 0.5 && bytes.length >= HEADER_SIZE) bytes[4] = 1;
    try {
      let at = 0;
      while (at < bytes.length) {
        const n = 1 + Math.floor(random() * 8);
        decoder.push(bytes.subarray(at, at + n));
        at += n;
        while (decoder.next() !== undefined) frames++;
      }
      decoder.end();
    } catch (error) {
      assert.ok(
        error instanceof TypeError || error instanceof RangeError,
        String(error),
      );
      errors++;
    }
  }
  assert.ok(errors > 0);
  assert.ok(frames >= 0);
});
