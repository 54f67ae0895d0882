"""Pipe round trips: one side sends a small int, a child echoes it back.

With --mode=children both sides are child processes (the pinging one sends
its figures to the parent over a second Pipe); otherwise the parent pings.
"""

import multiprocessing as mp
import time

from _tasks import parse_args, report


def echo_loop(conn):
    while True:
        msg = conn.recv()
        if msg is None:
            return
        conn.send(msg)


def ping_loop(conn, n):
    for i in range(2000):  # as many warm-ups as the Deno script
        conn.send(i)
        conn.recv()
    times = []
    t_all = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        conn.send(i)
        assert conn.recv() == i
        times.append(time.perf_counter() - t0)
    s = time.perf_counter() - t_all
    conn.send(None)
    times.sort()
    return {"per_s": n / s, "p50_us": times[int(n * 0.5)] * 1e6}


def ping_child(conn, n, out):
    out.send(ping_loop(conn, n))


if __name__ == "__main__":
    args = parse_args(n=10_000)
    ctx = mp.get_context(args.start_method)
    parent, child_end = ctx.Pipe()
    echo = ctx.Process(target=echo_loop, args=(child_end,))
    echo.start()
    if args.mode == "children":
        results, out = ctx.Pipe(duplex=False)
        ping = ctx.Process(target=ping_child, args=(parent, args.n, out))
        ping.start()
        figures = results.recv()
        ping.join()
    else:
        figures = ping_loop(parent, args.n)
    echo.join()
    report(**figures)
