/**
 * The Web Streams faces of a `Queue`: a `ReadableStream` that pulls one
 * item per read (no read-ahead) and ends when the queue is closed and
 * drained, and a `WritableStream` whose writes wait while the queue is
 * full (its backpressure) and whose closing closes the queue.
 *
 * @module
 */
import { QueueClosedError } from "./queue_closed_error.ts";

/** What the streams use of a queue. */
export interface StreamedQueue<T> {
  get(): Promise<T>;
  put(item: T): Promise<void>;
  close(): void;
}

/** A `ReadableStream` of the items of `queue`. */
export function readableOf<T>(queue: StreamedQueue<T>): ReadableStream<T> {
  return new ReadableStream<T>({
    pull: async (controller) => {
      try {
        controller.enqueue(await queue.get());
      } catch (error) {
        if (error instanceof QueueClosedError) controller.close();
        else throw error;
      }
    },
  }, { highWaterMark: 0 });
}

/** A `WritableStream` that puts each chunk into `queue`. */
export function writableOf<T>(queue: StreamedQueue<T>): WritableStream<T> {
  return new WritableStream<T>({
    write: (item) => queue.put(item),
    close: () => queue.close(),
  }, { highWaterMark: 1 });
}
