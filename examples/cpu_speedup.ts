// The CPU-bound case that multiprocessing exists for (no seed program:
// the tutorials say it in words, "多进程可以绕过全局解释器锁(GIL)的限制").
// In Python:
//
//   def count_primes(lo, hi): ...
//   chunks = [(lo, lo + step) for lo in range(0, N, step)]
//   serial = sum(count_primes(lo, hi) for lo, hi in chunks)
//   with Pool() as pool:
//       parallel = sum(pool.starmap(count_primes, chunks))
//
// Run: deno run --allow-read examples/cpu_speedup.ts
//
// JavaScript runs one thread per isolate, so CPU-bound work on the main
// thread uses one core however many there are. A pool of workers (one per
// core by default: navigator.hardwareConcurrency) splits the work. The
// pool is warmed up first so that the timing compares work, not worker
// start-up. The speed-up depends on the free cores: on a busy machine it
// is lower.
import { Pool } from "@mp/multiprocessing/pool";

/** Counts the primes in [lo, hi) by trial division: pure CPU work. */
export function countPrimes(lo: number, hi: number): number {
  let count = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

if (import.meta.main) {
  const N = 2_000_000;
  const step = 100_000;
  const chunks: [number, number][] = [];
  for (let lo = 0; lo < N; lo += step) chunks.push([lo, lo + step]);

  let start = performance.now();
  let serial = 0;
  for (const [lo, hi] of chunks) serial += countPrimes(lo, hi);
  const serialMs = performance.now() - start;

  await using pool = new Pool(); // one worker per core
  await pool.starmap(countPrimes, [[0, 10], [0, 10]]); // start the workers
  start = performance.now();
  const counts = await pool.starmap(countPrimes, chunks, { chunksize: 1 });
  const parallel = counts.reduce((a, b) => a + b, 0);
  const poolMs = performance.now() - start;

  console.log(`primes below ${N.toLocaleString("en")}: ${serial}`);
  console.log(`pool agrees: ${parallel === serial}`);
  console.log(`serial on the main thread: ${serialMs.toFixed(0)} ms`);
  console.log(`pool of ${pool.processes} workers: ${poolMs.toFixed(0)} ms`);
  console.log(`speed-up: ${(serialMs / poolMs).toFixed(2)}x`);
}
