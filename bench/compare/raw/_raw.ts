// Shared plumbing of the raw-platform baselines: start a bare worker, send a
// message and await the reply, parse flags, print the result line.
export { flags, report } from "../_protocol.ts";
export const workerUrl: URL = new URL("./_worker.ts", import.meta.url);

/** A bare Web Worker with a promise-returning round trip. */
export class RawWorker {
  readonly worker: Worker = new Worker(workerUrl, { type: "module" });
  #waiting: ((value: unknown) => void)[] = [];

  constructor() {
    this.worker.onmessage = (event) => this.#waiting.shift()?.(event.data);
  }

  /** Sends `value` and resolves with the worker's reply. */
  call(value: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.worker.postMessage(value);
    });
  }

  /** Terminates the worker. */
  close(): void {
    this.worker.terminate();
  }
}
