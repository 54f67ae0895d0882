"""Sequential round trips: Pool.apply one tiny task at a time, 2 workers."""

import multiprocessing as mp
import time

from _tasks import inc, parse_args, report

if __name__ == "__main__":
    args = parse_args(n=5000)
    times = []
    with mp.get_context(args.start_method).Pool(2) as pool:
        for i in range(500):
            pool.apply(inc, (i,))
        for i in range(args.n):
            t0 = time.perf_counter()
            pool.apply(inc, (i,))
            times.append(time.perf_counter() - t0)
    times.sort()
    report(
        p50_us=times[int(args.n * 0.5)] * 1e6,
        p99_us=times[int(args.n * 0.99)] * 1e6,
    )
