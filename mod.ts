/**
 * Python's `multiprocessing`, done right for Deno: processes, pools, typed
 * shared memory, locks, queues, pipes and a manager, with TypeScript types,
 * `await using`, `AbortSignal` and permission scoping.
 *
 * The package has four modules, also importable on their own:
 *
 * - `@mp/multiprocessing/sync`: `Lock`, `RLock`, `Semaphore`, `Condition`,
 *   `Event`, `Barrier` that work across workers.
 * - `@mp/multiprocessing/shared`: typed shared memory (`SharedValue`,
 *   `SharedArray`, `SharedStruct`, `SharedMemory`).
 * - `@mp/multiprocessing/ipc`: `pipe`, `Queue`, `listen`/`connect`, `Manager`.
 * - `@mp/multiprocessing/pool`: `Process`, `Pool`.
 *
 * @module
 */
export * from "./sync/mod.ts";
export * from "./shared/mod.ts";
export * from "./ipc/mod.ts";
export * from "./pool/mod.ts";
