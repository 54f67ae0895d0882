"""Pipe round trips: the parent sends a small int, a child echoes it back."""

import multiprocessing as mp
import time

from _tasks import parse_args, report


def echo_loop(conn):
    while True:
        msg = conn.recv()
        if msg is None:
            return
        conn.send(msg)


if __name__ == "__main__":
    args = parse_args(n=10_000)
    ctx = mp.get_context(args.start_method)
    parent, child_end = ctx.Pipe()
    child = ctx.Process(target=echo_loop, args=(child_end,))
    child.start()
    for i in range(500):
        parent.send(i)
        parent.recv()
    times = []
    t_all = time.perf_counter()
    for i in range(args.n):
        t0 = time.perf_counter()
        parent.send(i)
        assert parent.recv() == i
        times.append(time.perf_counter() - t0)
    s = time.perf_counter() - t_all
    parent.send(None)
    child.join()
    times.sort()
    report(per_s=args.n / s, p50_us=times[int(args.n * 0.5)] * 1e6)
