"""Locked counter: two child processes each add 1 to a shared Value('i')
n times, each increment under the Value's own lock; increments per second.
"""

import multiprocessing as mp
import time

from _tasks import parse_args, report


def add(value, go, n):
    go.wait()
    for _ in range(n):
        with value.get_lock():
            value.value += 1


if __name__ == "__main__":
    args = parse_args(n=200_000)
    ctx = mp.get_context(args.start_method)
    value = ctx.Value("i", 0)
    go = ctx.Event()
    children = [ctx.Process(target=add, args=(value, go, args.n)) for _ in range(2)]
    for child in children:
        child.start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    go.set()
    for child in children:
        child.join()
    s = time.perf_counter() - t0
    assert value.value == 2 * args.n
    report(per_s=2 * args.n / s)
