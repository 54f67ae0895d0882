// Shared plumbing of the "ours" workload scripts: the task module's URL,
// flag parsing, and the result line the driver reads.
export { flags, report } from "../_protocol.ts";

/** The module every Pool workload runs its tasks from. */
export const tasks: URL = new URL("./tasks.ts", import.meta.url);

/** The `p` quantile (0–1) of sorted `times`, converted from ms to µs. */
export function quantileUs(times: Float64Array, p: number): number {
  return times[Math.floor(times.length * p)]! * 1000;
}
