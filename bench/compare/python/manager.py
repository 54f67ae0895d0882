"""Manager dict: a child process alternates d[k] = i and d[k] on a
Manager().dict() proxy; operations per second, timed in the child.
"""

import multiprocessing as mp
import time

from _tasks import parse_args, report


def ops(d, n, out):
    d[0] = 0
    t0 = time.perf_counter()
    for i in range(n // 2):
        d[i % 100] = i
        assert d[i % 100] == i
    out.put(n / (time.perf_counter() - t0))


if __name__ == "__main__":
    args = parse_args(n=10_000)
    ctx = mp.get_context(args.start_method)
    with ctx.Manager() as manager:
        d = manager.dict()
        out = ctx.Queue()
        child = ctx.Process(target=ops, args=(d, args.n, out))
        child.start()
        per_s = out.get()
        child.join()
    report(per_s=per_s)
