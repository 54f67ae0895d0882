// Raw baseline, start: one bare Web Worker that imports the task module, from
// spawn to the result of one tiny task (`inc`, sent at once).
import { report } from "./_raw.ts";

const url = new URL("./_task_worker.ts", import.meta.url);
const t0 = performance.now();
const worker = new Worker(url, { type: "module" });
await new Promise((resolve) => {
  worker.onmessage = resolve;
  worker.postMessage({ name: "inc", args: [1] });
});
const ms = performance.now() - t0;
worker.terminate();
report({ ms });
