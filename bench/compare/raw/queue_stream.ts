// Raw baseline, queue: a bare worker posts small ints to the main thread;
// the first `WARMUP` are untimed (as in the other queue scripts), then n
// are timed.
import { flags, report, workerUrl } from "./_raw.ts";

/** Messages received before the clock starts. */
const WARMUP = 20_000;

const { n } = flags({ n: 100_000 });
const worker = new Worker(workerUrl, { type: "module" });
const per_s = await new Promise<number>((resolve) => {
  let t0 = 0;
  worker.onmessage = (event) => {
    const seen = event.data as number;
    if (seen === WARMUP) t0 = performance.now();
    if (seen === WARMUP + n) resolve(n / ((performance.now() - t0) / 1000));
  };
  worker.postMessage({ stream: WARMUP + n + 1 });
});
worker.terminate();
report({ per_s });
