/**
 * Python-style positions in the fixed-length sequences of `shared/`: an
 * index must be an integer; a negative one counts from the end; anything
 * outside `0 … length - 1` after that is refused.
 *
 * @module
 */
import { quote } from "./_quote.ts";

/**
 * The position of `index` in a sequence of `length` items. The message
 * names the `item` of `owner` (`"ShareableList"`, `"item"`).
 *
 * @throws {TypeError} When `index` is not an integer.
 * @throws {RangeError} When it is out of range.
 */
export function checkIndex(
  owner: string,
  item: string,
  index: number,
  length: number,
): number {
  if (!Number.isInteger(index)) {
    throw new TypeError(
      `Cannot access ${owner} ${item} as the index must be an integer: received ${
        quote(index)
      }`,
    );
  }
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) {
    throw new RangeError(
      `Cannot access ${owner} ${item} as the index is out of range 0..${
        length - 1
      }: received ${index}`,
    );
  }
  return i;
}
