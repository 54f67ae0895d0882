"""Pool start to first result: a new Pool(2) runs one tiny task."""

import multiprocessing as mp
import time

from _tasks import inc, parse_args, report

if __name__ == "__main__":
    args = parse_args()
    ctx = mp.get_context(args.start_method)
    t0 = time.perf_counter()
    with ctx.Pool(2) as pool:
        pool.apply(inc, (1,))
        ms = (time.perf_counter() - t0) * 1000
    report(ms=ms)
