// Pipe round trips: one side sends a small int, a worker Process echoes it
// back; round trips per second and p50. With `--workers=1` both sides are
// worker Processes (the pinging one reports its figures to main over a
// second pipe); otherwise the main thread pings. With `--sync=1` the
// workers use the blocking calls (`sendSync` / `recvSync`, as Python's
// children do) instead of `await send()` / `await recv()`.
import { type Connection, pipe } from "../../../ipc/mod.ts";
import { Process } from "../../../pool/mod.ts";
import { flags, quantileUs, report } from "./_ours.ts";

/** Worker side: echoes every message until it receives `null`. */
export async function echoLoop(conn: Connection<number | null>): Promise<void> {
  for (;;) {
    const msg = await conn.recv();
    if (msg === null) return;
    await conn.send(msg);
  }
}

/** Worker side, blocking calls: echoes every message until `null`. */
export function echoLoopSync(conn: Connection<number | null>): void {
  for (;;) {
    const msg = conn.recvSync();
    if (msg === null) return;
    conn.sendSync(msg);
  }
}

/**
 * Round trips run before the clock starts, through the timed code itself:
 * a separate warm-up loop would leave the timed loop to be compiled (on
 * V8's helper threads, which take a CPU from the two spinning workers)
 * while it is being timed.
 */
const WARMUP = 2_000;

/** `n` blocking round trips, each timed, and the total in seconds. */
function tripsSync(
  conn: Connection<number | null>,
  n: number,
): { times: Float64Array; s: number } {
  const times = new Float64Array(n);
  const all = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    conn.sendSync(i);
    if (conn.recvSync() !== i) throw new Error("Wrong echo");
    times[i] = performance.now() - t0;
  }
  return { times, s: (performance.now() - all) / 1000 };
}

/** `n` round trips, each timed, and the total in seconds. */
async function trips(
  conn: Connection<number | null>,
  n: number,
): Promise<{ times: Float64Array; s: number }> {
  const times = new Float64Array(n);
  const all = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await conn.send(i);
    if (await conn.recv() !== i) throw new Error("Wrong echo");
    times[i] = performance.now() - t0;
  }
  return { times, s: (performance.now() - all) / 1000 };
}

/** Pinging side, blocking calls: as `pingLoop`. */
export function pingLoopSync(
  conn: Connection<number | null>,
  n: number,
): Record<string, number> {
  tripsSync(conn, WARMUP);
  const { times, s } = tripsSync(conn, n);
  conn.sendSync(null);
  times.sort();
  return { per_s: n / s, p50_us: quantileUs(times, 0.5) };
}

/** Pinging side: `WARMUP` untimed round trips, `n` timed ones, then `null`. */
export async function pingLoop(
  conn: Connection<number | null>,
  n: number,
): Promise<Record<string, number>> {
  await trips(conn, WARMUP);
  const { times, s } = await trips(conn, n);
  await conn.send(null);
  times.sort();
  return { per_s: n / s, p50_us: quantileUs(times, 0.5) };
}

/** Worker pinging side: runs `pingLoop` and sends its figures on `out`. */
export async function pingWorker(
  conn: Connection<number | null>,
  n: number,
  out: Connection<Record<string, number>>,
  sync: number,
): Promise<void> {
  await out.send(sync ? pingLoopSync(conn, n) : await pingLoop(conn, n));
}

if (import.meta.main) {
  const { n, workers, sync } = flags({ n: 10_000, workers: 0, sync: 0 });
  const [here, there] = pipe<number | null>();
  const echo = workers && sync
    ? new Process({ target: echoLoopSync, args: [there] })
    : new Process({ target: echoLoop, args: [there] });
  await echo.start();
  if (workers) {
    const [results, out] = pipe<Record<string, number>>();
    const ping = new Process({
      target: pingWorker,
      args: [here, n, out, sync],
    });
    await ping.start();
    const figures = await results.recv();
    await Promise.all([ping.join(), echo.join()]);
    results.close();
    report(figures);
  } else {
    const figures = await pingLoop(here, n);
    await echo.join();
    here.close();
    report(figures);
  }
}
