/**
 * Reads the first line of a byte stream: how a Manager's subprocess and its
 * parent read each other's one-line JSON handshake (see `_manager_entry.ts`).
 * The reader lock is released afterwards, so the stream stays usable.
 *
 * @module
 */

/** The text of `stream` up to its first newline (or its end). */
export async function readLine(
  stream: ReadableStream<Uint8Array>,
): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text.split("\n")[0]!;
}
