#!/usr/bin/env python3
"""TPC-H benchmark: Sluice against DuckDB, side by side in one process session.

Generates the data with tpchgen-cli (CSV with header) into bench/tpch/data/sf<scale>/
(cached), loads it into Sluice (C API through ctypes, the Sluice class of
tests/tpch/run_tpch.py) and into DuckDB with the same typed schema (tests/tpch/schema.sql)
and COPY, sets the same thread count on both, then runs the 22 queries of
tests/tpch/queries interleaved (Sluice qN, DuckDB qN, Sluice qN, ...) and keeps the best of
--runs runs per engine. Both engines materialise the full result on the client side
(Sluice renders every value as text, DuckDB builds Python objects), so result size counts
the same way for both.

Prints a table (query, sluice s, duckdb s, ratio sluice/duckdb) with totals and writes it
to bench/RESULTS.md with the machine (nproc, CPU model) and the date. This is a benchmark,
not a test: `make test` does not run it.

    .venv/bin/python bench/tpch/run.py                    # SF 1, 1 thread, best of 3
    .venv/bin/python bench/tpch/run.py --scale 0.1 --queries 1-6 --threads 2
"""
import argparse
import ctypes
import datetime
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tpch"))

from run_tpch import TABLES, Sluice  # noqa: E402

QUERIES = ROOT / "tests" / "tpch" / "queries"
SCHEMA = ROOT / "tests" / "tpch" / "schema.sql"


def generate(scale: float) -> Path:
    """CSV files for every table at `scale`, generated once and cached."""
    out = HERE / "data" / f"sf{scale:g}"
    if all((out / f"{t}.csv").exists() for t in TABLES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    tool = ROOT / ".venv" / "bin" / "tpchgen-cli"
    print(f"generating TPC-H SF {scale:g} into {out} ...", flush=True)
    subprocess.run([str(tool), "csv", "-s", f"{scale:g}", f"--output-dir={out}"], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def parse_range(text: str):
    numbers = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        numbers.extend(range(int(lo), int(hi or lo) + 1))
    return numbers


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def best_of(fn, runs: int):
    """(best seconds, error text or None)."""
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        try:
            fn()
        except Exception as e:  # an engine failing a query is reported, not fatal
            return None, str(e).splitlines()[0][:80]
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    return best, None


def fmt(seconds):
    return "—" if seconds is None else f"{seconds:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sluice", default=str(ROOT / "build" / "release" / "sluice"),
                    help="path of the sluice binary; libsluice.so is taken from its directory")
    ap.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    ap.add_argument("--threads", type=int, default=1, help="threads for both engines (default 1)")
    ap.add_argument("--runs", type=int, default=3, help="runs per query and engine; the best counts")
    ap.add_argument("--queries", default="1-22", help="e.g. 1-22, 1,3,5 or 6")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds after which a Sluice query is cancelled (sluice_interrupt) and reported")
    ap.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"),
                    help="markdown file to write (default bench/RESULTS.md); '' to skip")
    args = ap.parse_args()

    import duckdb

    data = generate(args.scale)
    schema = SCHEMA.read_text()

    duck = duckdb.connect()
    duck.execute(f"SET threads = {args.threads}")
    duck.execute(schema)
    library = Path(args.sluice).resolve().parent / "libsluice.so"
    sl = Sluice(library)
    sl.lib.sluice_interrupt.argtypes = [ctypes.c_void_p]
    sl.lib.sluice_interrupt.restype = None

    def sluice_run(sql):
        """sl.query with a watchdog: sluice_interrupt cancels it after --timeout seconds."""
        timer = threading.Timer(args.timeout, sl.lib.sluice_interrupt, (sl.conn,))
        timer.start()
        try:
            return sl.query(sql)
        finally:
            timer.cancel()

    sl.query(f"SET threads = {args.threads}")
    sl.query(schema)

    load = {}
    for name, run in (("sluice", sl.query), ("duckdb", duck.execute)):
        t = time.perf_counter()
        for table in TABLES:
            run(f"COPY {table} FROM '{data / (table + '.csv')}' (FORMAT csv, HEADER)")
        load[name] = time.perf_counter() - t
    print(f"loaded SF {args.scale:g}: sluice {load['sluice']:.1f}s, duckdb {load['duckdb']:.1f}s", flush=True)

    rows = []
    header = f"{'query':>5}  {'sluice s':>9}  {'duckdb s':>9}  {'ratio':>7}"
    print(header)
    for n in parse_range(args.queries):
        sql = (QUERIES / f"q{n:02d}.sql").read_text()
        s_best = d_best = None
        s_err = d_err = None
        # interleave engine runs so machine noise hits both alike
        counts = {}
        for _ in range(args.runs):
            if s_err is None:
                s, s_err = best_of(lambda: counts.__setitem__("sluice", len(sluice_run(sql))), 1)
                if s is not None:
                    s_best = s if s_best is None else min(s_best, s)
            if d_err is None:
                d, d_err = best_of(lambda: counts.__setitem__("duckdb", len(duck.execute(sql).fetchall())), 1)
                if d is not None:
                    d_best = d if d_best is None else min(d_best, d)
        if s_err:
            s_best = None
        if d_err:
            d_best = None
        if not s_err and not d_err and counts.get("sluice") != counts.get("duckdb"):
            # a wrong answer is not a comparable time (tests/tpch/run_tpch.py checks values)
            s_err = f"{counts.get('sluice')} rows, duckdb {counts.get('duckdb')}"
            s_best = None
        ratio = s_best / d_best if s_best is not None and d_best else None
        rows.append((n, s_best, d_best, ratio, s_err or d_err))
        note = f"  ({'sluice' if s_err else 'duckdb'} error: {s_err or d_err})" if (s_err or d_err) else ""
        print(f"{'q%02d' % n:>5}  {fmt(s_best):>9}  {fmt(d_best):>9}  "
              f"{'—' if ratio is None else f'{ratio:.2f}x':>7}{note}", flush=True)

    both = [r for r in rows if r[1] is not None and r[2] is not None]
    s_total = sum(r[1] for r in both)
    d_total = sum(r[2] for r in both)
    total_ratio = s_total / d_total if d_total else None
    print(f"{'total':>5}  {s_total:>9.3f}  {d_total:>9.3f}  "
          f"{'—' if total_ratio is None else f'{total_ratio:.2f}x':>7}  ({len(both)} queries both engines ran)")
    sl.close()

    if args.results:
        write_results(Path(args.results), args, rows, s_total, d_total, total_ratio, load, duckdb.__version__)
        print(f"wrote {args.results}")
    return 0


def write_results(path, args, rows, s_total, d_total, total_ratio, load, duckdb_version):
    lines = [
        "# Benchmark results",
        "",
        f"## TPC-H SF {args.scale:g}, {args.threads} thread(s), best of {args.runs}",
        "",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- machine: {os.cpu_count()} cores (nproc), {cpu_model()}, {platform.system()} {platform.release()}",
        f"- engines: Sluice (build/release, C API via ctypes) vs DuckDB {duckdb_version} (Python), same process",
        f"- data: tpchgen-cli CSV, loaded with COPY into typed tables "
        f"(sluice {load['sluice']:.1f} s, duckdb {load['duckdb']:.1f} s)",
        "- times include fetching the whole result to the client; ratio = sluice / duckdb (lower is better)",
        "",
        "| query | sluice s | duckdb s | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for n, s, d, ratio, err in rows:
        cell = "—" if ratio is None else f"{ratio:.2f}x"
        lines.append(f"| q{n:02d} | {fmt(s)} | {fmt(d)} | {cell}{' (' + err + ')' if err else ''} |")
    lines.append(f"| **total** | **{s_total:.3f}** | **{d_total:.3f}** | "
                 f"**{'—' if total_ratio is None else f'{total_ratio:.2f}x'}** |")
    lines += [
        "",
        "Published context (other hardware, not a ratio; see ANCHORS.md in the shared design notes): TPC-H SF10 from "
        "Parquet, single thread, sum of 22 queries — DuckDB 1.3 ≈ 33 s, DataFusion 47 ≈ 45 s (Apple M4 class).",
        "",
    ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
