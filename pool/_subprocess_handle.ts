/**
 * The `"subprocess"` adapter of `_spawn.ts`: a child as a `deno run` OS
 * process. Its one mechanism: give the pool the same view of a child it has
 * of a worker (messages, an exit code, and a control block that says which
 * task runs since when) without shared memory.
 *
 * - Start: the `deno run` command line of `_subprocess_launch.ts`, through
 *   `Deno.Command` (never `deno eval`, which grants everything). The parent
 *   needs `--allow-run` for `Deno.execPath()`.
 * - Transport: frames (`_subprocess_protocol.ts`) on the child's stdin and
 *   stdout; its stderr is inherited, and what it prints to stdout comes
 *   back in `STDOUT` frames and is written to this process's stdout. Pipes
 *   were measured against a Unix socket per child: the socket's round trip
 *   is lower, but it needs `--allow-net` in the parent and
 *   net/read/write grants for the socket path in every child, while pipes
 *   need nothing, and batched throughput is the same.
 * - The control block: the pool reads and writes its own block; this
 *   handle mirrors the child into it. A task sent to the child is marked
 *   claimed at once, so the pool never takes back a task a live child may be
 *   starting (a revoke cannot reach another process in time). A `CLAIM`
 *   frame sets `CURRENT`, `STARTED_AT` and `STATE` (so `taskTimeout` sees
 *   a task stuck in synchronous code); results clear them. When the child
 *   has ended and every frame is read, the tasks it never claimed are
 *   marked unclaimed again, so the pool runs them elsewhere, exactly once.
 * - Stops are real: `terminate()` is `SIGTERM`, `kill()` and an `abort` (a
 *   task timed out or was aborted) are `SIGKILL`. The exit code is the
 *   child's, or minus the signal number, as in Python.
 * - `BRIDGE` frames are calls on a Queue or pipe end sent to the child,
 *   run here on the real object (`_subprocess_bridge_host.ts`).
 * - A malformed frame or message from the child kills it; it ends with
 *   exit code 1 and an `exit` message that says what was wrong.
 *
 * @module
 */
import { serializeError } from "../ipc/_transfer.ts";
import { type Frame, FrameDecoder } from "../ipc/_wire.ts";
import {
  type ChildMessage,
  CURRENT,
  ENDED,
  IDLE,
  type ParentMessage,
  RESULT_WORDS,
  RING,
  RING_BASE,
  RUNNING_SYNC,
  since,
  STARTED_AT,
  STATE,
  TASK_WORDS,
} from "./_protocol.ts";
import {
  BRIDGE,
  CLAIM,
  decodeBridgeCall,
  decodeChildMessage,
  decodeClaim,
  encodeMessage,
  MESSAGE,
  STDERR,
  STDOUT,
  toWire,
} from "./_subprocess_protocol.ts";
import type { ChildHandle } from "./_spawn.ts";
import { BridgeHost } from "./_subprocess_bridge_host.ts";
import {
  subprocessArgs,
  type SubprocessOptions,
} from "./_subprocess_launch.ts";

export { checkMemoryLimit } from "./_subprocess_launch.ts";

/** Writes all of `bytes`; output that cannot be written is dropped. */
function writeAll(
  file: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  try {
    let done = 0;
    while (done < bytes.byteLength) {
      done += file.writeSync(bytes.subarray(done));
    }
  } catch {
    // This process's own stdout or stderr is gone (a closed pipe): the
    // child's output has nowhere to go, which is no fault of the child.
  }
}

/** A child in its own OS process; see the module note. */
export class SubprocessHandle implements ChildHandle {
  readonly crossProcess = true;
  onMessage: (message: ChildMessage) => void = () => {};
  onExit: (code: number) => void = () => {};
  readonly #options: SubprocessOptions;
  #process: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #outbox: Uint8Array[] = [];
  #control: Int32Array | undefined;
  #epoch = 0;
  /** Seqs sent and not yet answered. */
  readonly #sent = new Set<number>();
  /** Seqs the child announced it started. */
  readonly #started = new Set<number>();
  #exitSeen = false;
  #broken: Error | undefined;
  #truncated: Error | undefined;
  #closed = false;
  #reported = false;
  #refd = true;
  /** Asked to end: it keeps the process alive until it has ended. */
  #ending = false;
  /** Runs the child's calls on bridged queues and pipe ends. */
  readonly #bridge = new BridgeHost((bytes) => this.#enqueue(bytes));

  constructor(options: SubprocessOptions) {
    this.#options = options;
  }

  /** The child's OS process id, once started. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  start(): void {
    const { info } = this.#options;
    const args = subprocessArgs(this.#options);
    let process: Deno.ChildProcess;
    try {
      process = new Deno.Command(Deno.execPath(), {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new Deno.errors.NotCapable(
          `Cannot start subprocess child "${info.name}" as this process may not run ${Deno.execPath()}: run it with --allow-run=${Deno.execPath()} (or --allow-run)`,
          { cause: error },
        );
      }
      throw error;
    }
    this.#process = process;
    this.#writer = process.stdin.getWriter();
    if (!this.#refd) process.unref();
    const reading = this.#read(process.stdout);
    void Promise.all([reading, process.status]).then(([, status]) =>
      this.#end(status)
    );
  }

  send(message: ParentMessage): void {
    if (this.#closed) return;
    if (message.t === "init") {
      this.#control = new Int32Array(message.control);
      this.#epoch = message.epoch;
    } else if (message.t === "abort") {
      // A timed-out or aborted task: a subprocess can be stopped for real.
      this.kill();
      return;
    }
    const bytes = encodeMessage(toWire(message), "message");
    if (message.t === "run") this.#mark(message.batch);
    if (message.t === "retire") this.#endingNow();
    this.#enqueue(bytes);
  }

  /** Queues a frame for the child; frames go out together. */
  #enqueue(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#outbox.push(bytes);
    if (this.#outbox.length === 1) queueMicrotask(() => this.#flush());
  }

  terminate(): void {
    this.#signal("SIGTERM");
  }

  kill(): void {
    this.#signal("SIGKILL");
  }

  ref(on: boolean): void {
    if (this.#ending || on === this.#refd) return;
    this.#refd = on;
    if (this.#process === undefined || this.#reported) return;
    if (on) this.#process.ref();
    else this.#process.unref();
  }

  /**
   * The child was told to end: whoever waits for its exit must not see the
   * event loop end first, so it is referenced until then.
   */
  #endingNow(): void {
    this.#ending = true;
    this.#refd = true;
    if (!this.#reported) this.#process?.ref();
  }

  #signal(signal: Deno.Signal): void {
    if (this.#process === undefined || this.#reported) return;
    this.#endingNow();
    try {
      this.#process.kill(signal);
    } catch {
      // It has already ended; its exit is on its way.
    }
  }

  /** Writes the queued frames as one buffer. */
  #flush(): void {
    const frames = this.#outbox;
    this.#outbox = [];
    if (this.#closed || frames.length === 0) return;
    let bytes = frames[0]!;
    if (frames.length > 1) {
      let size = 0;
      for (const f of frames) size += f.byteLength;
      bytes = new Uint8Array(size);
      let at = 0;
      for (const f of frames) {
        bytes.set(f, at);
        at += f.byteLength;
      }
    }
    // A write to a child that died fails; its exit reports why.
    this.#writer?.write(bytes).catch(() => {});
  }

  /** Marks tasks of a `run` batch as claimed in the mirror (see the note). */
  #mark(batch: unknown[]): void {
    const control = this.#control;
    for (let i = 0; i < batch.length; i += TASK_WORDS) {
      const seq = batch[i] as number;
      this.#sent.add(seq);
      if (control !== undefined) {
        Atomics.compareExchange(control, RING_BASE + seq % RING, seq, -seq);
      }
    }
  }

  async #read(stdout: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new FrameDecoder();
    try {
      for await (const chunk of stdout) {
        decoder.push(chunk);
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
          this.#frame(f);
        }
      }
    } catch (error) {
      this.#break(error as Error);
      return;
    }
    try {
      decoder.end();
    } catch (error) {
      // Killed in the middle of writing a frame: only a fault if it was not
      // killed (see #end).
      this.#truncated = error as Error;
    }
  }

  #break(error: Error): void {
    if (this.#broken !== undefined) return;
    this.#broken = new Error(
      `Child "${this.#options.info.name}" was stopped as it sent a malformed frame: ${error.message}`,
      { cause: error },
    );
    this.kill();
  }

  #frame(f: Frame): void {
    switch (f.tag) {
      case MESSAGE:
        this.#message(decodeChildMessage(f.payload));
        break;
      case CLAIM:
        this.#claim(decodeClaim(f.payload));
        break;
      case BRIDGE:
        this.#bridge.call(decodeBridgeCall(f.payload));
        break;
      case STDOUT:
        writeAll(Deno.stdout, f.payload);
        break;
      case STDERR:
        writeAll(Deno.stderr, f.payload);
        break;
      default:
        throw new TypeError(
          `Cannot read a frame from the child as its tag is not the pool's: received ${f.tag}`,
        );
    }
  }

  #claim(seq: number): void {
    this.#started.add(seq);
    const control = this.#control;
    if (control === undefined) return;
    Atomics.store(control, STARTED_AT, Math.floor(since(this.#epoch)));
    Atomics.store(control, CURRENT, seq);
    Atomics.store(control, STATE, RUNNING_SYNC);
  }

  #message(message: ChildMessage): void {
    if (this.#exitSeen) return;
    if (message.t === "results") {
      const control = this.#control;
      const batch = message.batch;
      for (let i = 0; i < batch.length; i += RESULT_WORDS) {
        const seq = batch[i] as number;
        this.#sent.delete(seq);
        this.#started.delete(seq);
        if (control !== undefined && Atomics.load(control, CURRENT) === seq) {
          Atomics.store(control, CURRENT, 0);
          Atomics.store(control, STATE, IDLE);
        }
      }
    } else if (message.t === "exit") {
      this.#exitSeen = true;
    }
    this.#deliver(message);
  }

  /** Calls `onMessage`; a throwing hook surfaces as an uncaught error. */
  #deliver(message: ChildMessage): void {
    try {
      this.onMessage(message);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  #end(status: Deno.CommandStatus): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#closed = true;
    this.#writer?.close().catch(() => {});
    this.#bridge.end();
    const control = this.#control;
    if (control !== undefined) {
      // Tasks it never started go back to the pool.
      for (const seq of this.#sent) {
        if (this.#started.has(seq)) continue;
        Atomics.compareExchange(control, RING_BASE + seq % RING, -seq, seq);
      }
      Atomics.store(control, STATE, ENDED);
    }
    let code = status.signal !== null ? -(status.code - 128) : status.code;
    if (this.#truncated !== undefined && status.signal === null) {
      this.#break(this.#truncated);
    }
    if (this.#broken !== undefined) {
      code = 1;
      if (!this.#exitSeen) {
        this.#deliver({
          t: "exit",
          code,
          phase: "crash",
          error: serializeError(this.#broken),
        });
      }
    }
    this.onExit(code);
  }
}
