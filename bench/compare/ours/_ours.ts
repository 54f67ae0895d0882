// Shared plumbing of the "ours" workload scripts: the task module's URL,
// flag parsing, and the result line the driver reads.

/** The module every Pool workload runs its tasks from. */
export const tasks: URL = new URL("./tasks.ts", import.meta.url);

/** Parses `--key=value` flags, with numeric defaults. */
export function flags<T extends Record<string, number>>(defaults: T): T {
  const out: Record<string, number> = { ...defaults };
  for (const arg of Deno.args) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match?.[1] !== undefined && match[1] in out) {
      out[match[1]] = Number(match[2]);
    }
  }
  return out as T;
}

/** Prints the one line the driver reads. */
export function report(metrics: Record<string, number>): void {
  console.log(`RESULT ${JSON.stringify(metrics)}`);
}

/** The `p` quantile (0–1) of sorted `times`, converted from ms to µs. */
export function quantileUs(times: Float64Array, p: number): number {
  return times[Math.floor(times.length * p)]! * 1000;
}
