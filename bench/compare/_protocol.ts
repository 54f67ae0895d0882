// The script side of the driver's protocol, shared by the Deno workload
// scripts ("ours" and "raw"): numeric `--key=value` flags in, one
// `RESULT {json}` line out.

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
