"""100k tiny tasks through Pool.map with its default chunking, 2 workers."""

import multiprocessing as mp
import time

from _tasks import inc, parse_args, report

if __name__ == "__main__":
    args = parse_args(n=100_000)
    with mp.get_context(args.start_method).Pool(2) as pool:
        pool.map(inc, range(1000))
        t0 = time.perf_counter()
        out = pool.map(inc, range(args.n))
        s = time.perf_counter() - t0
    assert out[-1] == args.n
    report(per_s=args.n / s)
