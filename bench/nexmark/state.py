#!/usr/bin/env python3
"""Nexmark state test: does memory stay flat on a long run?

Runs q5, q7, q8 and an interval join (auctions joined with the bids placed while the
auction was open: B.dateTime BETWEEN A.dateTime AND A.expires) as continuous queries over
--events events (default 50 M) through the shell with CSV output to /dev/null, samples the
process's resident memory every 0.2 s, and prints the RSS after 10 %, 50 % and 100 % of the
run plus the peak. Memory is flat when windows and join rows are freed as the watermark
passes them: the 50 % and 100 % figures then match the 10 % one instead of growing with
the input. Not a test (it takes minutes): run it by hand and report the figures.

    .venv/bin/python bench/nexmark/state.py [--events 50000000] [--rate 100000] [--queries q5,q7]
"""
import argparse
import os
import pathlib
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUERIES = ROOT / "tests" / "nexmark" / "queries"

INTERVAL_JOIN = """
SELECT A.id, A.category, B.price, B.bidder
FROM auction A JOIN bid B ON A.id = B.auction
WHERE B.dateTime BETWEEN A.dateTime AND A.expires
"""


def sources(events, rate):
    return "\n".join(
        f"CREATE SOURCE {t} WITH (connector = 'nexmark', table = '{t}', "
        f"max_events = {events}, event_rate = {rate});"
        for t in ("person", "auction", "bid"))


def query_text(name):
    if name == "interval_join":
        return INTERVAL_JOIN
    text = (QUERIES / f"{name}.sql").read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(name, events, rate, shell):
    sql = (f"SET execution_mode = 'streaming';\n{sources(events, rate)}\n"
           f"{query_text(name).strip().rstrip(';')};\n")
    start = time.time()
    proc = subprocess.Popen([shell, "-csv"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write(sql)
    proc.stdin.close()
    samples = []   # (seconds, rss KiB)
    while proc.poll() is None:
        rss = rss_kib(proc.pid)
        if rss is not None:
            samples.append((time.time() - start, rss))
        time.sleep(0.2)
    elapsed = time.time() - start
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed: {err}")
    if not samples:
        return elapsed, None, None, None, None

    def at(fraction):
        t = elapsed * fraction
        best = min(samples, key=lambda s: abs(s[0] - t))
        return best[1]

    return elapsed, at(0.1), at(0.5), samples[-1][1], max(s[1] for s in samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=50_000_000)
    ap.add_argument("--rate", type=int, default=100_000,
                    help="events per second of event time (100 K: 50 M events span 500 s, 50 ten-second windows)")
    ap.add_argument("--queries", default="q5,q7,q8,interval_join")
    ap.add_argument("--shell", default=str(ROOT / "build" / "release" / "sluice"))
    args = ap.parse_args()
    print(f"Nexmark state test: {args.events:,} events at event_rate {args.rate:,}, continuous, "
          f"RSS of the sluice process (MiB)")
    print(f"{'query':<14} {'seconds':>8} {'events/s':>12} {'rss@10%':>8} {'rss@50%':>8} {'rss@end':>8} {'peak':>8}")
    for name in args.queries.split(","):
        elapsed, r10, r50, rend, peak = run(name, args.events, args.rate, args.shell)
        mib = lambda k: f"{k / 1024:8.1f}" if k is not None else "       -"
        print(f"{name:<14} {elapsed:8.1f} {args.events / elapsed:12,.0f} {mib(r10)} {mib(r50)} {mib(rend)} {mib(peak)}",
              flush=True)


if __name__ == "__main__":
    main()
