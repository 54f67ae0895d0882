"""100 KiB bytes echo through Pool.map (default chunking), 2 workers."""

import multiprocessing as mp
import time

from _tasks import echo, parse_args, report

if __name__ == "__main__":
    args = parse_args(n=2000)
    # Distinct objects: pickle would send a repeated object once per chunk.
    payloads = [bytes([i % 256]) * (100 * 1024) for i in range(args.n)]
    with mp.get_context(args.start_method).Pool(2) as pool:
        pool.map(echo, payloads[:10])
        t0 = time.perf_counter()
        out = pool.map(echo, payloads)
        s = time.perf_counter() - t0
    assert len(out[-1]) == 100 * 1024
    report(per_s=args.n / s)
