// Raw baseline, queue: a bare worker posts n small ints to the main thread.
import { flags, report, workerUrl } from "./_raw.ts";

const { n } = flags({ n: 100_000 });
const worker = new Worker(workerUrl, { type: "module" });
const per_s = await new Promise<number>((resolve) => {
  let seen = -1;
  let t0 = 0;
  worker.onmessage = (event) => {
    if (seen === -1) t0 = performance.now();
    seen = event.data as number;
    if (seen === n) resolve(n / ((performance.now() - t0) / 1000));
  };
  worker.postMessage({ stream: n + 1 });
});
worker.terminate();
report({ per_s });
