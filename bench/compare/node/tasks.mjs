// Task functions for the npm pools (piscina, tinypool). Each export is one
// workload's task; the same bodies exist in ../ours/tasks.ts and ../python/_tasks.py.

/** Returns `x + 1`: the tiny task. */
export function inc(x) {
  return x + 1;
}

/** Runs the shared busy loop for `n` iterations (about 1 ms once calibrated). */
export function spin(n) {
  let x = 1;
  for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) & 0x7fffffff;
  return x;
}

/** Returns its argument unchanged (the 100 KiB echo). */
export function echo(bytes) {
  return bytes;
}

/** Resolves after `ms` milliseconds (keeps every worker busy at once). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}

export default inc;
