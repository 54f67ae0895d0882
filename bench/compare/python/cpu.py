"""2,000 CPU tasks of about 1 ms each on Pool(2): speed-up over serial.

The busy loop is calibrated to about 1 ms in this interpreter first.
--mode=imap1 submits them with imap(chunksize=1) instead of map().
"""

import multiprocessing as mp
import time

from _tasks import calibrate, parse_args, report, spin

if __name__ == "__main__":
    args = parse_args(n=2000)
    iters = calibrate()
    with mp.get_context(args.start_method).Pool(2) as pool:
        pool.map(spin, [iters] * 20, chunksize=1)
        t0 = time.perf_counter()
        for _ in range(args.n):
            spin(iters)
        serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        if args.mode == "imap1":
            list(pool.imap(spin, [iters] * args.n, chunksize=1))
        else:
            pool.map(spin, [iters] * args.n)
        parallel = time.perf_counter() - t0
    report(speedup=serial / parallel, task_ms=serial * 1000 / args.n, iters=iters)
