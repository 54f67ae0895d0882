"""Queue throughput: one child process puts small ints, the parent gets them.

After the child's first (sentinel) item, WARMUP items are received untimed
(as the Deno scripts do to let the JIT compile their loops), then n timed.
"""

import multiprocessing as mp
import time

from _tasks import parse_args, report

WARMUP = 20_000


def produce(queue, n):
    queue.put(-1)
    for i in range(n):
        queue.put(i)


if __name__ == "__main__":
    args = parse_args(n=100_000)
    ctx = mp.get_context(args.start_method)
    queue = ctx.Queue()
    child = ctx.Process(target=produce, args=(queue, WARMUP + args.n))
    child.start()
    assert queue.get() == -1
    for i in range(WARMUP):
        assert queue.get() == i
    t0 = time.perf_counter()
    for i in range(WARMUP, WARMUP + args.n):
        assert queue.get() == i
    s = time.perf_counter() - t0
    child.join()
    report(per_s=args.n / s)
