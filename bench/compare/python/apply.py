"""100k tiny tasks submitted one by one, all at once, 2 workers.

--mode=apply_async (default): apply_async for each, then get() each.
--mode=imap1: imap with chunksize 1 (one task per message, streamed).
"""

import multiprocessing as mp
import time

from _tasks import inc, parse_args, report

if __name__ == "__main__":
    args = parse_args(n=100_000)
    with mp.get_context(args.start_method).Pool(2) as pool:
        pool.map(inc, range(1000), chunksize=1)
        t0 = time.perf_counter()
        if args.mode == "imap1":
            out = list(pool.imap(inc, range(args.n), chunksize=1))
        else:
            pending = [pool.apply_async(inc, (i,)) for i in range(args.n)]
            out = [r.get() for r in pending]
        s = time.perf_counter() - t0
    assert out[-1] == args.n
    report(per_s=args.n / s)
