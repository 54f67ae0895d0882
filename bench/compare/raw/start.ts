// Raw baseline, start: one bare Web Worker from spawn to its first reply.
import { RawWorker, report } from "./_raw.ts";

const t0 = performance.now();
const worker = new RawWorker();
await worker.call(1);
const ms = performance.now() - t0;
worker.close();
report({ ms });
