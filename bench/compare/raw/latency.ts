// Raw baseline, latency: sequential postMessage round trips to a bare worker.
import { flags, RawWorker, report } from "./_raw.ts";

const { n } = flags({ n: 5000 });
const worker = new RawWorker();
for (let i = 0; i < 500; i++) await worker.call(i);
const times = new Float64Array(n);
const all = performance.now();
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  await worker.call(i);
  times[i] = performance.now() - t0;
}
const s = (performance.now() - all) / 1000;
worker.close();
times.sort();
report({
  p50_us: times[Math.floor(n * 0.5)]! * 1000,
  p99_us: times[Math.floor(n * 0.99)]! * 1000,
  per_s: n / s,
});
