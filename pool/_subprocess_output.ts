/**
 * The output side of a `"subprocess"` child. Its one mechanism: the child's
 * stdout is the frame channel to its parent, so everything the task prints
 * is wrapped into `STDOUT` / `STDERR` frames, which the parent writes to its
 * own stdout and stderr, in order.
 *
 * Every frame is written with a synchronous `writeSync` loop on the real
 * stdout, so a frame is whole on the pipe before the next line of the child
 * runs: a child that dies right after (out of memory, killed) has delivered
 * all it printed, every result it flushed, and the claim of the task it was
 * running.
 *
 * What is redirected: `console` (every method, with Deno's own formatting
 * when Deno's internal console class is reachable, else `node:console`), and
 * `Deno.stdout.write` / `writeSync` / `writable` (which `node:process`
 * stdout uses too). Deno's own messages (a panic, V8's out-of-memory report)
 * go to the inherited stderr directly.
 *
 * @module
 */
import { frame, STDERR, STDOUT } from "./_subprocess_protocol.ts";

const realWriteSync = Deno.stdout.writeSync.bind(Deno.stdout);

/** Writes `bytes` to the real stdout, whole, synchronously. */
export function writeFrameSync(bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += realWriteSync(bytes.subarray(done));
  }
}

const encoder = new TextEncoder();

function print(tag: number, text: string): void {
  if (text.length > 0) writeFrameSync(frame(tag, encoder.encode(text)));
}

type InternalConsole = new (
  print: (message: string, level: number) => void,
) => Console;

function internalConsole(): InternalConsole | undefined {
  const internal = (Deno as unknown as Record<symbol, unknown>)[
    (Deno as unknown as { internal: symbol }).internal
  ] as Record<string, unknown> | undefined;
  const cls = internal?.Console;
  return typeof cls === "function" ? cls as InternalConsole : undefined;
}

async function makeConsole(): Promise<Console> {
  const Internal = internalConsole();
  if (Internal !== undefined) {
    try {
      const made = new Internal((message, level) =>
        print(level > 1 ? STDERR : STDOUT, message)
      );
      if (typeof made.log === "function") return made;
    } catch {
      // fall back below
    }
  }
  const { Console } = await import("node:console");
  const { Writable } = await import("node:stream");
  const stream = (tag: number) =>
    new Writable({
      write(chunk: Uint8Array | string, _encoding, callback) {
        writeFrameSync(
          frame(tag, typeof chunk === "string" ? encoder.encode(chunk) : chunk),
        );
        callback();
      },
    });
  return new Console({ stdout: stream(STDOUT), stderr: stream(STDERR) });
}

/**
 * Redirects the child's console and `Deno.stdout` into output frames. Call
 * once, before the task module loads.
 */
export async function redirectOutput(): Promise<void> {
  const relayed = await makeConsole();
  Object.defineProperty(globalThis, "console", {
    value: relayed,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  const stdout = Deno.stdout as unknown as Record<string, unknown>;
  stdout.writeSync = (bytes: Uint8Array): number => {
    writeFrameSync(frame(STDOUT, bytes));
    return bytes.byteLength;
  };
  stdout.write = (bytes: Uint8Array): Promise<number> => {
    writeFrameSync(frame(STDOUT, bytes));
    return Promise.resolve(bytes.byteLength);
  };
  Object.defineProperty(stdout, "writable", {
    configurable: true,
    get: () =>
      new WritableStream<Uint8Array>({
        write(chunk) {
          writeFrameSync(frame(STDOUT, chunk));
        },
      }),
  });
}
