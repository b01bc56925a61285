#!/usr/bin/env python3
"""Nexmark benchmark driver: the public Nexmark Flink SQL queries on Sluice.

Runs each query of tests/nexmark/queries/ over the bounded nexmark sources of
tests/nexmark/sources.sql, generated in-process (the generator is part of the measured
work, as the Flink connector is part of Flink's numbers), and prints events/s and
events/s/core next to the published per-core figures of ../shared/ANCHORS.md (other
hardware: context, not a ratio).

What is timed: one `sluice_query` call plus fetching every result chunk through the C API
and dropping it unread (nothing is formatted or converted), i.e. the engine's own work up
to handing result batches to the client — the counterpart of Flink's `blackhole` sink.
The query text is the published one, unchanged: wrapping it (`SELECT count(*) FROM (...)`)
would let the optimizer prune columns and change the plan. `--sink copy` instead runs
`COPY (query) TO '/dev/null' (FORMAT csv)`, which streams in batch mode too but adds CSV
formatting.

Mode: streaming (`SET execution_mode = 'streaming'`, continuous execution over the bounded
sources; results leave the engine while it runs) when the engine accepts it, else batch
(the result is collected in memory before the first fetch: q0-style queries over many
events need RAM accordingly).

Cores are measured, not assumed: the process's CPU time (user + system, all threads, from
getrusage) over the same interval as the wall time. `cores` = CPU time / wall time and
events/s/core = events / CPU seconds, so an engine that keeps N cores busy is charged for
N of them, and one that idles is not credited for cores it did not use.

    .venv/bin/python bench/nexmark/run.py                       # 10 M events, every query
    .venv/bin/python bench/nexmark/run.py --events 1000000 --queries q0,q5,q7 --mode batch
    SLUICE_LIB=/path/to/libsluice.so .venv/bin/python bench/nexmark/run.py

This is a benchmark, not a test: results are printed, not written or committed.
"""
import argparse
import ctypes
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import sluice_api  # noqa: E402

NEXMARK = ROOT / "tests" / "nexmark"
QUERIES = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q14", "q15", "q16", "q17", "q18",
           "q19", "q20", "q21", "q22"]
ANCHORS = ROOT.parent / "shared" / "ANCHORS.md"


def published_figures():
    """{query: (Flink 1.13, DBSP/Feldera, RisingWave)} per-core events/s from ANCHORS.md."""
    figures = {}
    if not ANCHORS.exists():
        return figures
    in_table = False
    for line in ANCHORS.read_text().splitlines():
        if line.startswith("## Nexmark"):
            in_table = True
            continue
        if in_table and line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if in_table and len(cells) >= 4 and re.fullmatch(r"q\d+", cells[0]):
            figures[cells[0]] = tuple(cells[1:4])
    return figures


def statements(text):
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def sources_sql(events, rate):
    text = (NEXMARK / "sources.sql").read_text()
    text = re.sub(r"max_events = \d+", "max_events = %d" % events, text)
    return re.sub(r"event_rate = \d+", "event_rate = %d" % rate, text)


class Engine:
    """One in-memory Sluice database + connection with the nexmark sources created."""

    def __init__(self, events, rate, mode, threads):
        self.conn = sluice_api.Connection()
        self.lib = self.conn.lib
        if threads:
            self.conn.execute(f"SET threads = {threads}")
        self.mode = mode
        if mode == "streaming":
            self.conn.execute("SET execution_mode = 'streaming'")
        elif mode == "batch":
            self.conn.execute("SET execution_mode = 'batch'")
        for stmt in statements(sources_sql(events, rate)):
            self.conn.execute(stmt)

    def close(self):
        self.conn.close()

    def run_discarding(self, sql):
        """Runs sql, fetches every chunk and drops it; returns (wall s, CPU s, rows)."""
        lib = self.lib
        result = ctypes.c_void_p()
        rows = 0
        cpu_start = cpu_seconds()
        start = time.perf_counter()
        st = lib.sluice_query(self.conn.conn, sql.encode(), ctypes.byref(result))
        if st != sluice_api.SLUICE_OK:
            raise self.conn._error(st)
        try:
            while result:
                chunk = ctypes.c_void_p()
                st = lib.sluice_result_fetch(result, ctypes.byref(chunk))
                if st != sluice_api.SLUICE_OK:
                    raise self.conn._error(st)
                if not chunk:
                    break
                rows += lib.sluice_chunk_row_count(chunk)
                lib.sluice_chunk_free(chunk)
            return time.perf_counter() - start, cpu_seconds() - cpu_start, rows
        finally:
            if result:
                lib.sluice_result_free(result)


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def streaming_available():
    conn = sluice_api.Connection()
    try:
        conn.execute("SET execution_mode = 'streaming'")
        return True
    except sluice_api.SluiceError:
        return False
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="events over person+auction+bid (10 M)")
    ap.add_argument("--rate", type=int, default=10_000_000,
                    help="event_rate, i.e. event-time spacing (the Flink suite runs TPS = 10 M)")
    ap.add_argument("--queries", default=",".join(QUERIES), help="comma-separated, e.g. q0,q5")
    ap.add_argument("--mode", choices=["auto", "streaming", "batch"], default="auto",
                    help="auto: streaming when the engine has it, else batch")
    ap.add_argument("--sink", choices=["fetch", "copy"], default="fetch",
                    help="fetch: drop result chunks through the C API; copy: COPY (q) TO '/dev/null'")
    ap.add_argument("--threads", type=int, default=0, help="SET threads (default: the engine's)")
    ap.add_argument("--runs", type=int, default=1, help="best of N runs per query")
    args = ap.parse_args()

    if not sluice_api.LIBRARY.exists():
        sys.exit(f"{sluice_api.LIBRARY} is missing: run `make release` (or set SLUICE_LIB)")
    mode = args.mode
    if mode == "auto":
        mode = "streaming" if streaming_available() else "batch"
    figures = published_figures()
    queries = [q.strip() for q in args.queries.split(",") if q.strip()]

    print(f"Nexmark on Sluice: {args.events:,} events at event_rate {args.rate:,}, {mode} mode, "
          f"sink {args.sink}, best of {args.runs}")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"library {sluice_api.LIBRARY}")
    print("published figures: events/s per core, 100 M events, other hardware (../shared/ANCHORS.md);"
          " context, not a ratio\n")
    header = f"{'query':<6} {'seconds':>8} {'rows out':>11} {'events/s':>12} {'cores':>5} {'events/s/core':>14}" \
             f"   {'Flink 1.13':>10} {'DBSP':>6} {'RisingWave':>10}"
    print(header)
    print("-" * len(header))
    for name in queries:
        path = NEXMARK / "queries" / (name + ".sql")
        sql = path.read_text().strip().rstrip(";")
        if args.sink == "copy":
            sql = f"COPY ({sql}) TO '/dev/null' (FORMAT csv)"
        best = None
        error = None
        for _ in range(args.runs):
            engine = Engine(args.events, args.rate, mode, args.threads)
            try:
                seconds, cpu, rows = engine.run_discarding(sql)
                if best is None or seconds < best[0]:
                    best = (seconds, cpu, rows)
            except sluice_api.SluiceError as e:
                error = e.message.splitlines()[0]
                break
            finally:
                engine.close()
        flink, dbsp, rw = figures.get(name, ("—", "—", "—"))
        if best is None:
            print(f"{name:<6} error: {error}")
            continue
        seconds, cpu, rows = best
        rate = args.events / seconds
        per_core = args.events / cpu if cpu > 0 else float("nan")
        print(f"{name:<6} {seconds:8.3f} {rows:11,} {rate:12,.0f} {cpu / seconds:5.2f} {per_core:14,.0f}"
              f"   {flink:>10} {dbsp:>6} {rw:>10}", flush=True)


if __name__ == "__main__":
    main()
