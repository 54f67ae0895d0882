// Raw baseline, echo: 100 KiB Uint8Arrays posted (copied) to two bare
// workers, all at once, round robin.
import { flags, RawWorker, report } from "./_raw.ts";

const { n } = flags({ n: 2000 });
const payload = new Uint8Array(100 * 1024).fill(7);
const workers = [new RawWorker(), new RawWorker()];
await Promise.all(workers.map((w) => w.call(payload)));
const t0 = performance.now();
const out = await Promise.all(
  Array.from({ length: n }, (_, i) => workers[i % 2]!.call(payload)),
);
const s = (performance.now() - t0) / 1000;
if ((out[n - 1] as Uint8Array).byteLength !== payload.byteLength) {
  throw new Error("Wrong result");
}
for (const w of workers) w.close();
report({ per_s: n / s });
