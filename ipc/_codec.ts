/**
 * The binary codec of `Queue` and `Connection`: a value to bytes and back,
 * written once into a ring or a socket frame. The format and what it
 * carries are described in `_codec_format.ts`; measured against JSON,
 * `structuredClone` and `node:v8` in `bench/ipc_bench.ts`.
 *
 * @module
 */
export { encode, type Encoded, encodeScratch } from "./_codec_encode.ts";
export {
  copyRange,
  decode,
  decodeRange,
  decodeShared,
} from "./_codec_decode.ts";
export { MAX_DEPTH } from "./_codec_format.ts";
