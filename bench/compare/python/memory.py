"""Idle memory per worker of a Pool(4): RSS and unique (USS) of each child."""

import multiprocessing as mp
import time

from _tasks import parse_args, report, sleep


def kib(pid, path, keys):
    total = 0
    with open(f"/proc/{pid}/{path}") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in keys:
                total += int(rest.split()[0])
    return total


if __name__ == "__main__":
    args = parse_args(workers=4)
    with mp.get_context(args.start_method).Pool(args.workers) as pool:
        pool.map(sleep, [300] * args.workers, chunksize=1)
        time.sleep(0.5)
        pids = [p.pid for p in mp.active_children()]
        rss = sum(kib(p, "status", {"VmRSS"}) for p in pids)
        uss = sum(
            kib(p, "smaps_rollup", {"Private_Clean", "Private_Dirty"}) for p in pids
        )
    report(rss_mib=rss / len(pids) / 1024, uss_mib=uss / len(pids) / 1024, n=len(pids))
