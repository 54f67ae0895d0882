// Starts fixture workers for the shared/ tests and waits for their answers,
// with a generous timeout (the machine is loaded): the one place the tests
// touch `Worker` directly. Every caller terminates its workers in `finally`.

/** A started fixture worker and a way to await its next message. */
export interface FixtureWorker {
  worker: Worker;
  /** The next message (or error) from the worker. */
  next(): Promise<unknown>;
  terminate(): void;
}

/** Starts `tests/fixtures/<name>.ts` as a module worker. */
export function spawn(name: string): FixtureWorker {
  const worker = new Worker(
    new URL(`../fixtures/${name}.ts`, import.meta.url),
    { type: "module", name },
  );
  const inbox: unknown[] = [];
  const waiting: ((message: unknown) => void)[] = [];
  const failures: ((error: Error) => void)[] = [];
  worker.onmessage = (event) => {
    const resolve = waiting.shift();
    failures.shift();
    if (resolve) resolve(event.data);
    else inbox.push(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`Worker ${name} failed: ${event.message}`);
    waiting.shift();
    const reject = failures.shift();
    if (reject) reject(error);
    else inbox.push(error);
  };
  return {
    worker,
    next() {
      if (inbox.length > 0) {
        const message = inbox.shift();
        return message instanceof Error
          ? Promise.reject(message)
          : Promise.resolve(message);
      }
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        failures.push(reject);
      });
    },
    terminate() {
      worker.terminate();
    },
  };
}

/** Awaits `promise`, failing after `ms` (generous: only a hang trips it). */
export async function within<T>(promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`No answer within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
