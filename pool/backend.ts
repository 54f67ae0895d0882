/**
 * The backends a `Process` or a `Pool` can run its children on.
 *
 * @module
 */

/**
 * Where a child runs:
 *
 * - `"worker"` (default): a Deno Web Worker, its own V8 isolate and heap in
 *   this process. Shares memory (`SharedArrayBuffer`, `Lock`, `SharedArray`
 *   …). A thrown error stays in the worker, but an out-of-memory ends the
 *   whole process, and Deno cannot stop a worker stuck in synchronous code
 *   (`terminate()` and timeouts abort `currentTask().signal` so such code
 *   can stop itself). The parent needs `--allow-read` for the task module
 *   (and for this package's files when it is loaded from a local path).
 * - `"subprocess"`: a `deno run` child process. No shared memory; a crash,
 *   an out-of-memory or a hang stay in the child, and `kill()` works at once.
 *   A `Queue` (any kind) or a `pipe()` end passed to its tasks still works
 *   there, through a bridge: the parent keeps the object and runs the
 *   child's calls, sent as frames over the child's stdio. In the child every
 *   method returns a promise (`await queue.tryGet()`, `await queue.qsize()`)
 *   and the `*Sync` twins throw a `TypeError`; `timeout` and `signal` work.
 *   It is slower: a round trip costs about 0.3 ms, against 0.01–0.04 ms for
 *   the same objects in a worker. An item taken for a child that died
 *   before reading it goes back into its queue (at the back); a pipe message
 *   in that window is lost. Other shared memory (`Lock`, `SharedValue` …)
 *   is a `TypeError` that points to a Manager proxy.
 * - `"inline"`: the caller's own event loop, Python's
 *   `multiprocessing.dummy`: the same API where workers are not available
 *   (tests, Deno Deploy). No isolation: values are not copied, and a task
 *   that calls `Deno.exit()` ends the caller.
 *
 * @example Choose the inline backend
 * ```ts
 * import { type Backend, Process } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const backend: Backend = "inline";
 * let ran = false;
 * const child = new Process({ target: () => ran = true, backend });
 * await child.start();
 * assert.equal(await child.join(), 0);
 * assert.equal(ran, true); // on the caller's own loop
 * ```
 */
export type Backend = "worker" | "subprocess" | "inline";
