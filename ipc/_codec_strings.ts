/**
 * How the decoder reads strings. A short ASCII string (an object key,
 * mostly) is hashed as it is read and comes from a cache of recent ones
 * (4096 slots, one string each, the last one read), so that the keys of a
 * stream of alike objects cost no new string; longer or non-ASCII UTF-8
 * goes through a `TextDecoder`. UTF-16 strings are read in chunks of 4096
 * code units.
 *
 * @module
 */

const textDecoder = new TextDecoder();
const STRING_CACHE = 4096;
const strings = new Array<string | undefined>(STRING_CACHE).fill(undefined);

/** The UTF-8 string of `b[start … start + n)`; bounds already checked. */
export function readUtf8(b: Uint8Array, start: number, n: number): string {
  const end = start + n;
  if (n > 24) return textDecoder.decode(b.subarray(start, end));
  // Short strings (keys, mostly) come from a cache of recent ones.
  let h = n;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c > 0x7f) return textDecoder.decode(b.subarray(start, end));
    h = Math.imul(h, 31) + c;
  }
  const slot = h & (STRING_CACHE - 1);
  const cached = strings[slot];
  if (cached !== undefined && cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === b[start + i]) i++;
    if (i === n) return cached;
  }
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  strings[slot] = s;
  return s;
}

/**
 * The string of the `n` little-endian UTF-16 code units at `b[p …)`;
 * bounds already checked.
 */
export function readUtf16(b: Uint8Array, p: number, n: number): string {
  const parts: string[] = [];
  const units = new Array<number>(Math.min(n, 4096));
  for (let done = 0; done < n;) {
    const k = Math.min(n - done, 4096);
    units.length = k;
    for (let i = 0; i < k; i++, p += 2) units[i] = b[p]! | (b[p + 1]! << 8);
    parts.push(String.fromCharCode(...units));
    done += k;
  }
  return parts.join("");
}
