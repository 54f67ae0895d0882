"""Task functions and helpers for the Python multiprocessing workloads.

The task bodies match ../node/tasks.mjs and ../ours/tasks.ts. They live in
a module (not in __main__) so that the "spawn" start method can import them.
"""

import argparse
import json
import time


def inc(x):
    """Return x + 1: the tiny task."""
    return x + 1


def spin(n):
    """Run the shared busy loop for n iterations (about 1 ms once calibrated)."""
    x = 1
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


def echo(data):
    """Return the argument unchanged (the 100 KiB echo)."""
    return data


def sleep(ms):
    """Sleep ms milliseconds (keeps every worker busy at once)."""
    time.sleep(ms / 1000)
    return ms


def calibrate():
    """Return the spin() iteration count that takes about 1 ms here."""
    iters = 1 << 10
    while True:
        t0 = time.perf_counter()
        spin(iters)
        ms = (time.perf_counter() - t0) * 1000
        if ms >= 50:
            return max(1, round(iters / ms))
        iters *= 2


def parse_args(**defaults):
    """Parse --key=value flags, with defaults (ints stay ints)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--start-method", default="fork")
    parser.add_argument("--mode", default="")
    for key, value in defaults.items():
        parser.add_argument("--" + key, type=type(value), default=value)
    return parser.parse_args()


def report(**metrics):
    """Print the one line the driver reads."""
    print("RESULT " + json.dumps(metrics), flush=True)
