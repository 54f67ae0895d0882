// Task functions for the Pool workloads. The same bodies exist in
// ../node/tasks.mjs and ../python/_tasks.py.
import { move } from "../../../pool/move.ts";

/** Returns `x + 1`: the tiny task. */
export function inc(x: number): number {
  return x + 1;
}

/** Runs the shared busy loop for `n` iterations (about 1 ms once calibrated). */
export function spin(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) & 0x7fffffff;
  return x;
}

/** Returns its argument unchanged (the 100 KiB echo). */
export function echo(bytes: Uint8Array): Uint8Array {
  return bytes;
}

/** Returns its argument moved back, not copied (the echo with `move()`). */
export function echoMoved(bytes: Uint8Array): Uint8Array {
  return move(bytes);
}

/** Resolves after `ms` milliseconds (keeps every worker busy at once). */
export function sleep(ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}
