#!/usr/bin/env python3
"""TPC-H benchmark: Sluice against DuckDB, Polars and DataFusion on the same Parquet files.

Generates the data with tpchgen-cli (Parquet: Snappy, ~7 MiB row groups, one file per table)
into bench/tpch/data/parquet-sf<scale>/ (cached). Every engine queries those files directly,
nothing is loaded first:

  sluice      C API through ctypes (libsluice.so next to --sluice); one view per table,
              CREATE VIEW t AS SELECT * FROM read_parquet('.../t.parquet'); SET threads = N;
              the result is taken as an Arrow table (sluice_result_arrow_stream)
  duckdb      the same views; SET threads = N; fetch_arrow_table()
  polars      pl.SQLContext over pl.scan_parquet LazyFrames, POLARS_MAX_THREADS = N;
              .collect() to a DataFrame; the same SQL text as the others
  datafusion  SessionContext.register_parquet, target_partitions = N; .collect() to
              Arrow record batches; the same SQL text

The 22 queries are tests/tpch/queries. They run interleaved: for each query, --runs rounds,
each round runs every engine once (sluice, duckdb, polars, datafusion, sluice, ...), and the
best round counts per engine. Times cover planning, execution and the whole result
materialised on the client in the engine's columnar form. An engine that fails a query is
reported with its error, not timed.

Results are verified across engines: row count, column count and, per column, the sum of
numeric values (relative tolerance 1e-6, absolute 1e-5: DataFusion rounds
averages of decimals to 6 digits) or an order-independent hash of the text values
are compared with the reference engine (DuckDB when it runs, else DuckDB's checksums saved
by an earlier run in <data>/checksums.json, else the first engine). A mismatch is flagged in the table ('!') and listed under it; its time still shows.

Prints per-query seconds for each engine, each rival's ratio to Sluice (rival / sluice:
above 1 means Sluice is faster) and the totals over the queries every engine completed,
and writes the same table into bench/RESULTS.md (a section of its own, replaced on the next
run with the same scale, threads and memory limit; the rest of the file is kept).

--memory-limit sets SET memory_limit on Sluice and DuckDB and a fair spill pool of that
size on DataFusion (Polars has no such setting: it runs unlimited); the process's peak RSS
(psutil sampling every 10 ms) is then reported per query and engine, which is only
meaningful when one engine runs per process (--engines sluice).

    .venv/bin/python bench/tpch/run.py --scale 1 --threads 2
    .venv/bin/python bench/tpch/run.py --scale 10 --engines sluice,duckdb --queries 1-6
    .venv/bin/python bench/tpch/run.py --scale 10 --engines sluice --memory-limit 1GB --runs 1
"""
import argparse
import ctypes
import datetime
import hashlib
import math
import os
import platform
import re
import resource
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
QUERIES = ROOT / "tests" / "tpch" / "queries"
TABLES = ["nation", "region", "part", "supplier", "partsupp", "customer", "orders", "lineitem"]
ENGINES = ["sluice", "duckdb", "polars", "datafusion"]


def generate(scale: float) -> Path:
    """Parquet files for every table at `scale`, generated once and cached."""
    out = HERE / "data" / f"parquet-sf{scale:g}"
    if all((out / f"{t}.parquet").exists() for t in TABLES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    tool = ROOT / ".venv" / "bin" / "tpchgen-cli"
    print(f"generating TPC-H SF {scale:g} Parquet into {out} ...", flush=True)
    subprocess.run([str(tool), "parquet", "-s", f"{scale:g}", f"--output-dir={out}"], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def parse_range(text: str):
    numbers = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        numbers.extend(range(int(lo), int(hi or lo) + 1))
    return numbers


def parse_bytes(text: str) -> int:
    units = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3, "B": 1}
    t = text.strip().upper()
    for unit in sorted(units, key=len, reverse=True):
        if t.endswith(unit):
            return int(float(t[: -len(unit)]) * units[unit])
    return int(t)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ------------------------------------------------------------------------------ engines
# Each engine: run(sql) -> native result (timed: plan, execute, materialise everything on the
# client); rows(native) -> list of row tuples of Python values (not timed, for verification);
# interrupt() cancels a running query where the engine allows it; version.


class SluiceEngine:
    name = "sluice"

    def __init__(self, sluice_binary: str, data: Path, threads: int, memory_limit, storage: str):
        import pyarrow as pa
        self.pa = pa
        lib = ctypes.CDLL(str(Path(sluice_binary).resolve().parent / "libsluice.so"))
        vp = ctypes.c_void_p
        lib.sluice_version.restype = ctypes.c_char_p
        lib.sluice_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp), ctypes.POINTER(ctypes.c_char_p)]
        lib.sluice_connect.argtypes = [vp, ctypes.POINTER(vp)]
        lib.sluice_query.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.sluice_connection_error.argtypes = [vp]
        lib.sluice_connection_error.restype = ctypes.c_char_p
        lib.sluice_result_free.argtypes = [vp]
        lib.sluice_result_arrow_stream.argtypes = [vp, vp]
        lib.sluice_interrupt.argtypes = [vp]
        lib.sluice_interrupt.restype = None
        lib.sluice_disconnect.argtypes = [vp]
        lib.sluice_close.argtypes = [vp]
        self.lib = lib
        built = datetime.datetime.fromtimestamp(Path(lib._name).stat().st_mtime, datetime.timezone.utc)
        self.version = f"{lib.sluice_version().decode()} (libsluice.so built {built:%H:%M} UTC)"
        self.db = vp()
        err = ctypes.c_char_p()
        if lib.sluice_open(None, ctypes.byref(self.db), ctypes.byref(err)) != 0:
            raise RuntimeError(err.value)
        self.conn = vp()
        if lib.sluice_connect(self.db, ctypes.byref(self.conn)) != 0:
            raise RuntimeError("sluice_connect failed")
        self.execute(f"SET threads = {threads}")
        if memory_limit:
            self.execute(f"SET memory_limit = '{memory_limit}'")
        self.data = data
        self.storage = storage
        if storage == "views":
            for t in TABLES:
                self.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{data / (t + '.parquet')}')")
        elif storage == "memory":
            for t in TABLES:
                self.execute(f"CREATE TABLE {t} AS SELECT * FROM read_parquet('{data / (t + '.parquet')}')")

    def run(self, sql):
        if self.storage == "inline":
            sql = inline_parquet(sql, self.data)
        return self.execute(sql)

    def execute(self, sql: str):
        """Runs sql; returns its rows as a pyarrow Table (empty for statements)."""
        lib = self.lib
        result = ctypes.c_void_p()
        if lib.sluice_query(self.conn, sql.encode(), ctypes.byref(result)) != 0:
            raise RuntimeError(lib.sluice_connection_error(self.conn).decode())
        if not result:
            return None
        stream = ctypes.create_string_buffer(64)  # struct ArrowArrayStream: 5 pointers
        try:
            if lib.sluice_result_arrow_stream(result, ctypes.addressof(stream)) != 0:
                raise RuntimeError(lib.sluice_connection_error(self.conn).decode())
            reader = self.pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))
            return reader.read_all()
        finally:
            lib.sluice_result_free(result)

    def rows(self, table):
        return [tuple(r.values()) for r in table.to_pylist()]

    def interrupt(self):
        self.lib.sluice_interrupt(self.conn)

    def close(self):
        self.lib.sluice_disconnect(self.conn)
        self.lib.sluice_close(self.db)


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, data: Path, threads: int, memory_limit, storage: str):
        import duckdb
        self.version = duckdb.__version__
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {threads}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        for t in TABLES:
            kind = "TABLE" if storage == "memory" else "VIEW"
            self.con.execute(f"CREATE {kind} {t} AS SELECT * FROM read_parquet('{data / (t + '.parquet')}')")

    def run(self, sql):
        return self.con.sql(sql).to_arrow_table()

    def rows(self, table):
        return [tuple(r.values()) for r in table.to_pylist()]

    def interrupt(self):
        self.con.interrupt()

    def close(self):
        self.con.close()


class PolarsEngine:
    name = "polars"

    def __init__(self, data: Path, threads: int, memory_limit, storage: str):
        # POLARS_MAX_THREADS is read when polars is imported: main() sets it before any import.
        import polars as pl
        self.pl = pl
        self.version = pl.__version__
        if pl.thread_pool_size() != threads:
            raise RuntimeError(f"polars thread pool has {pl.thread_pool_size()} threads, wanted {threads}")
        if storage == "memory":
            frames = {t: pl.read_parquet(data / f"{t}.parquet").lazy() for t in TABLES}
        else:
            frames = {t: pl.scan_parquet(data / f"{t}.parquet") for t in TABLES}
        self.ctx = pl.SQLContext(frames, eager=False)

    def run(self, sql):
        return self.ctx.execute(sql).collect()

    def rows(self, frame):
        return frame.rows()

    def interrupt(self):
        pass  # a collect() cannot be cancelled from another thread

    def close(self):
        pass


class DataFusionEngine:
    name = "datafusion"

    def __init__(self, data: Path, threads: int, memory_limit, storage: str):
        import datafusion
        from datafusion import RuntimeEnvBuilder, SessionConfig, SessionContext
        self.version = datafusion.__version__
        config = SessionConfig().with_target_partitions(threads)
        runtime = RuntimeEnvBuilder()
        if memory_limit:
            runtime = runtime.with_disk_manager_os().with_fair_spill_pool(parse_bytes(memory_limit))
        self.ctx = SessionContext(config, runtime)
        for t in TABLES:
            if storage == "memory":
                self.ctx.register_parquet(f"{t}_file", str(data / f"{t}.parquet"))
                self.ctx.sql(f"CREATE TABLE {t} AS SELECT * FROM {t}_file").collect()
            else:
                self.ctx.register_parquet(t, str(data / f"{t}.parquet"))

    def run(self, sql):
        return self.ctx.sql(sql).collect()

    def rows(self, batches):
        out = []
        for b in batches:
            out.extend(tuple(r.values()) for r in b.to_pylist())
        return out

    def interrupt(self):
        pass

    def close(self):
        pass


_NOT_ALIAS = {"where", "group", "order", "on", "join", "left", "right", "inner", "cross", "as", "and",
              "having", "limit", "union"}


def inline_parquet(sql: str, data: Path) -> str:
    """sql with every TPC-H table name in a FROM list replaced by read_parquet('<data>/<table>.parquet'), keeping
    the table's name as its alias unless the query gives one. (Sluice only: its views over
    read_parquet do not pass the query's column list down, so a view reads every column.)"""
    def replace(m):
        t = m.group(2).lower()
        source = f"read_parquet('{data / (t + '.parquet')}')"
        follower = m.group(4)
        if follower and follower.lower() not in _NOT_ALIAS:
            return m.group(1) + source + m.group(3)
        return m.group(1) + f"{source} AS {t}" + (m.group(3) or "")
    names = "|".join(sorted(TABLES, key=len, reverse=True))
    pieces = sql.split("'")  # even pieces are outside string literals
    for i in range(0, len(pieces), 2):
        pieces[i] = re.sub(rf"(\bfrom\s+|\bjoin\s+|,\s*)({names})\b(\s+(\w+))?", replace, pieces[i])
    sql = "'".join(pieces)
    return sql


# ------------------------------------------------------------------------------ verification


def checksum(rows):
    """(rows, columns, per-column digest): numeric columns as a float sum, others as an
    order-independent hash of their text (dates as ISO text)."""
    if not rows:
        return (0, None, ())
    ncols = len(rows[0])
    digest = []
    for c in range(ncols):
        values = [r[c] for r in rows]
        present = [v for v in values if v is not None]
        nulls = len(values) - len(present)
        if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
            digest.append(("num", nulls, math.fsum(float(v) for v in present)))
        else:
            h = hashlib.md5()
            for s in sorted(str(v) for v in present):
                h.update(s.encode() + b"\0")
            digest.append(("text", nulls, h.hexdigest()[:12]))
    return (len(rows), ncols, tuple(digest))


def compare(ref, other):
    """None when the checksums agree, else a short description of the first difference."""
    if ref[0] != other[0]:
        return f"{other[0]} rows, reference {ref[0]}"
    if ref[1] != other[1]:
        return f"{other[1]} columns, reference {ref[1]}"
    for c, (a, b) in enumerate(zip(ref[2], other[2])):
        if a[0] != b[0]:
            return f"column {c + 1} is {b[0]}, reference {a[0]}"
        if a[1] != b[1]:
            return f"column {c + 1}: {b[1]} NULLs, reference {a[1]}"
        if a[0] == "num":
            if not math.isclose(a[2], b[2], rel_tol=1e-6, abs_tol=1e-5):
                return f"column {c + 1} sums to {b[2]:.10g}, reference {a[2]:.10g}"
        elif a[2] != b[2]:
            return f"column {c + 1} values differ"
    return None


# ------------------------------------------------------------------------------ timing


class RssSampler:
    """Peak resident set size of this process while active (psutil, every 10 ms)."""

    def __init__(self):
        import psutil
        self.proc = psutil.Process()
        self.peak = 0
        self.active = False
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            if self.active:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.01)

    def start(self):
        self.peak = self.proc.memory_info().rss
        self.active = True

    def stop(self):
        self.active = False
        self.peak = max(self.peak, self.proc.memory_info().rss)
        return self.peak


class RssGuard:
    """Interrupts the running query when the process's resident memory passes `limit` bytes,
    so an engine that outgrows the machine fails its query instead of the OOM killer ending
    the whole run (Sluice's memory_limit does not yet cover every allocation)."""

    def __init__(self, limit: int):
        import psutil
        self.proc = psutil.Process()
        self.limit = limit
        self.engine = None
        self.tripped = False
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            engine = self.engine
            if engine is not None and not self.tripped and self.proc.memory_info().rss > self.limit:
                self.tripped = True
                engine.interrupt()
            time.sleep(0.02)

    def watch(self, engine):
        self.tripped = False
        self.engine = engine

    def release(self):
        self.engine = None


def timed(engine, sql, timeout, sampler, guard):
    """(seconds, native result, error text, peak rss bytes or None)."""
    timer = threading.Timer(timeout, engine.interrupt)
    timer.start()
    guard.watch(engine)
    if sampler:
        sampler.start()
    t = time.perf_counter()
    try:
        result = engine.run(sql)
        return time.perf_counter() - t, result, None, sampler.stop() if sampler else None
    except Exception as e:  # an engine failing a query is reported, not fatal
        text = " ".join(str(e).split())[:120] or type(e).__name__
        if guard.tripped:
            text = f"stopped when the process's RSS passed {guard.limit / 2 ** 30:.0f} GiB ({text})"
        return None, None, text, sampler.stop() if sampler else None
    finally:
        timer.cancel()
        guard.release()


def fmt(seconds):
    return "—" if seconds is None else f"{seconds:.3f}"


def fmt_ratio(rival, sluice):
    return "—" if rival is None or not sluice else f"{rival / sluice:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sluice", default=str(ROOT / "build" / "release" / "sluice"),
                    help="path of the sluice binary; libsluice.so is taken from its directory")
    ap.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads for every engine (default: all cores)")
    ap.add_argument("--runs", type=int, default=3, help="rounds per query; each engine's best counts")
    ap.add_argument("--queries", default="1-22", help="e.g. 1-22, 1,3,5 or 6")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ",".join(ENGINES))
    ap.add_argument("--storage", choices=["parquet", "memory"], default="parquet",
                    help="parquet (default): every engine queries the Parquet files; memory: every engine "
                         "first loads them into its own in-memory tables (load time reported apart)")
    ap.add_argument("--sluice-parquet", choices=["inline", "views"], default="inline",
                    help="with --storage parquet, how Sluice names the files: inline (default) writes "
                         "read_parquet('...') into the query text; views uses CREATE VIEW like DuckDB")
    ap.add_argument("--memory-limit", default=None,
                    help="e.g. 1GB: SET memory_limit on sluice and duckdb, spill pool on datafusion; "
                         "reports peak RSS per query")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds after which a sluice or duckdb query is cancelled and reported")
    ap.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"),
                    help="markdown file to update (default bench/RESULTS.md); '' to skip")
    args = ap.parse_args()

    engines_wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    for e in engines_wanted:
        if e not in ENGINES:
            ap.error(f"unknown engine '{e}' (choose from {', '.join(ENGINES)})")
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)
    # Without --memory-limit, Sluice and DuckDB both get 40% of RAM: all engines share one
    # process, and an operator outgrowing the machine should fail its query, not get the whole
    # run killed by the OOM killer (Sluice has no limit by default; DuckDB's default is 80%).
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    engine_limit = args.memory_limit or f"{int(ram * 0.4 / 2 ** 20)}MB"
    load_before = os.getloadavg()

    data = generate(args.scale)
    engines = []
    load = {}
    for name in engines_wanted:
        t = time.perf_counter()
        if name == "sluice":
            storage = "memory" if args.storage == "memory" else args.sluice_parquet
            engines.append(SluiceEngine(args.sluice, data, args.threads, engine_limit, storage))
        elif name == "duckdb":
            engines.append(DuckDBEngine(data, args.threads, engine_limit, args.storage))
        elif name == "polars":
            engines.append(PolarsEngine(data, args.threads, args.memory_limit, args.storage))
        else:
            engines.append(DataFusionEngine(data, args.threads, args.memory_limit, args.storage))
        load[name] = time.perf_counter() - t
    args.load = load
    names = [e.name for e in engines]
    ref_name = "duckdb" if "duckdb" in names else names[0]
    rivals = [n for n in names if n != "sluice"] if "sluice" in names else []
    sampler = RssSampler() if args.memory_limit else None
    guard = RssGuard(int(ram * 0.75))

    print(f"TPC-H SF {args.scale:g} Parquet ({data}), {args.threads} thread(s), best of {args.runs}, "
          + (f"queries read the Parquet files directly (sluice: {args.sluice_parquet})" if args.storage == "parquet"
             else "tables loaded into memory first: " + ", ".join(f"{k} {v:.1f} s" for k, v in load.items()))
          + f", sluice/duckdb memory_limit {engine_limit}", flush=True)
    print("versions: " + ", ".join(f"{e.name} {e.version}" for e in engines), flush=True)
    header = f"{'query':>5}  " + "  ".join(f"{n + ' s':>12}" for n in names) + \
             "".join(f"  {n + '/sl':>10}" for n in rivals)
    print(header, flush=True)

    # DuckDB's checksums are kept next to the data, so a run without DuckDB (one engine per
    # process, e.g. out of core) is still checked against it.
    import json
    saved_path = data / "checksums.json"
    saved = json.loads(saved_path.read_text()) if saved_path.exists() else {}
    if "duckdb" not in names and saved:
        ref_name = "duckdb (saved)"
    args.ref_name = ref_name
    rows = []  # (n, {engine: seconds}, {engine: error}, {engine: mismatch}, {engine: peak rss})
    for n in parse_range(args.queries):
        sql = (QUERIES / f"q{n:02d}.sql").read_text()
        best, errors, sums, peaks = {}, {}, {}, {}
        for _ in range(args.runs):
            for e in engines:
                if e.name in errors:
                    continue
                seconds, result, err, peak = timed(e, sql, args.timeout, sampler, guard)
                if err:
                    errors[e.name] = err
                    best.pop(e.name, None)
                    continue
                if peak is not None:
                    peaks[e.name] = max(peaks.get(e.name, 0), peak)
                if e.name not in sums:
                    sums[e.name] = checksum(e.rows(result))
                del result
                best[e.name] = seconds if e.name not in best else min(best[e.name], seconds)
        if "duckdb" in sums:
            saved[f"q{n:02d}"] = sums["duckdb"]
            saved_path.write_text(json.dumps(saved))
        elif f"q{n:02d}" in saved:
            ref = saved[f"q{n:02d}"]
            sums[ref_name] = (ref[0], ref[1], tuple(tuple(d) for d in ref[2]))
        mismatches = {}
        if ref_name in sums:
            for name, s in sums.items():
                if name != ref_name:
                    problem = compare(sums[ref_name], s)
                    if problem:
                        mismatches[name] = problem
        rows.append((n, best, errors, mismatches, peaks))
        sl = best.get("sluice")
        cells = []
        for name in names:
            mark = "!" if name in mismatches else ("E" if name in errors else "")
            cells.append(f"{fmt(best.get(name)) + mark:>12}")
        line = f"{'q%02d' % n:>5}  " + "  ".join(cells) + \
               "".join(f"  {fmt_ratio(best.get(r), sl):>10}" for r in rivals)
        for name, err in errors.items():
            line += f"\n        {name} error: {err}"
        for name, problem in mismatches.items():
            line += f"\n        {name} result differs from {ref_name}: {problem}"
        if peaks:
            line += "\n        peak RSS: " + ", ".join(f"{k} {v / 2 ** 20:.0f} MiB" for k, v in peaks.items())
        print(line, flush=True)

    complete = [r for r in rows if all(name in r[1] for name in names)]
    totals = {name: sum(r[1][name] for r in complete) for name in names}
    own = {name: (sum(r[1][name] for r in rows if name in r[1]), sum(1 for r in rows if name in r[1]))
           for name in names}
    line = f"{'total':>5}  " + "  ".join(f"{totals[nm]:>12.3f}" for nm in names) + \
           "".join(f"  {fmt_ratio(totals[r], totals.get('sluice')):>10}" for r in rivals)
    print(line + f"   (over the {len(complete)} queries every engine completed)")
    for name in names:
        print(f"  {name}: {own[name][0]:.3f} s over the {own[name][1]} queries it completed")
    peak_process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    args.loadavg = (load_before, os.getloadavg())
    args.engine_limit = engine_limit
    print(f"load average (1/5/15 min) before {'/'.join(f'{x:.1f}' for x in load_before)}, "
          f"after {'/'.join(f'{x:.1f}' for x in args.loadavg[1])}")
    print(f"process peak RSS: {peak_process / 2 ** 20:.0f} MiB")
    for e in engines:
        e.close()

    if args.results:
        write_results(Path(args.results), args, engines, rows, complete, totals, own, peak_process)
        print(f"updated {args.results}")
    return 0


def write_results(path, args, engines, rows, complete, totals, own, peak_process):
    names = [e.name for e in engines]
    rivals = [n for n in names if n != "sluice"] if "sluice" in names else []
    ref_name = args.ref_name
    key = f"tpch sf{args.scale:g} threads{args.threads} {args.storage}" + (f" mem{args.memory_limit}" if args.memory_limit else "") \
        + ("" if args.queries == "1-22" else f" q{args.queries}") + " " + "+".join(names)
    title = f"### TPC-H SF {args.scale:g}, {'Parquet files' if args.storage == 'parquet' else 'in-memory tables'}, " \
            f"{args.threads} thread(s), best of {args.runs}" + \
            (f", memory_limit {args.memory_limit}" if args.memory_limit else "")
    lines = [
        f"<!-- begin {key} -->",
        title,
        "",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} UTC",
        f"- machine: {os.cpu_count()} cores (nproc), {cpu_model()}, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2 ** 30:.0f} GiB, "
        f"{platform.system()} {platform.release()}",
        "- engines: " + ", ".join(f"{e.name} {e.version}" for e in engines) +
        " (one Python process; Sluice through its C API with ctypes, the others through their pip packages)",
        "- data: tpchgen-cli Parquet (Snappy, ~7 MiB row groups, one file per table), " +
        ("queried in place, no load step: " +
         ("read_parquet('...') written into the query text (Sluice), " if args.sluice_parquet == "inline"
          else "views over read_parquet (Sluice), ") +
         "views over read_parquet (DuckDB), scan_parquet + SQLContext (Polars), register_parquet (DataFusion)"
         if args.storage == "parquet" else
         "loaded into each engine's in-memory tables first (CREATE TABLE AS / read_parquet; load s: " +
         ", ".join(f"{k} {v:.1f}" for k, v in args.load.items()) + "), queries timed apart") +
        ". Same SQL text (tests/tpch/queries) for every engine; Polars through pl.SQLContext",
        "- seconds include planning and materialising the whole result on the client as Arrow / a DataFrame; "
        "interleaved rounds, best per engine; ratio = rival / sluice (above 1: Sluice is faster)",
        f"- memory_limit {args.engine_limit} on Sluice and DuckDB" +
        (f", fair spill pool of {args.memory_limit} on DataFusion" if args.memory_limit and "datafusion" in names else "") +
        f"; load average before/after the run {args.loadavg[0][0]:.1f} / {args.loadavg[1][0]:.1f} "
        "(other work shared the machine when above 0)",
        f"- results checked against {ref_name}: row count and per-column checksum; '!' marks a differing "
        "result, '—' an error",
        "",
        "| query | " + " | ".join(f"{n} s" for n in names) + "".join(f" | {r} / sluice" for r in rivals) + " |",
        "| --- |" + " ---: |" * (len(names) + len(rivals)),
    ]
    notes = []
    for n, best, errors, mismatches, peaks in rows:
        cells = []
        for name in names:
            cell = fmt(best.get(name)) + ("!" if name in mismatches else "")
            if peaks.get(name):
                cell += f" ({peaks[name] / 2 ** 20:.0f} MiB)"
            cells.append(cell)
        ratios = [fmt_ratio(best.get(r), best.get("sluice")) for r in rivals]
        lines.append(f"| q{n:02d} | " + " | ".join(cells + ratios) + " |")
        notes += [f"- q{n:02d} {name}: error: {err}" for name, err in errors.items()]
        notes += [f"- q{n:02d} {name}: result differs from {ref_name}: {p}" for name, p in mismatches.items()]
    lines.append(f"| **total ({len(complete)} q)** | " +
                 " | ".join(f"**{totals[nm]:.3f}**" for nm in names) +
                 "".join(f" | **{fmt_ratio(totals[r], totals.get('sluice'))}**" for r in rivals) + " |")
    lines.append("")
    if len(complete) != len(rows):
        lines.append("Totals over the queries every engine completed; each engine over its own: " +
                     ", ".join(f"{nm} {own[nm][0]:.3f} s ({own[nm][1]} q)" for nm in names) + ".")
        lines.append("")
    if args.memory_limit:
        lines.append(f"In parentheses: the process's peak RSS during that query (psutil, 10 ms); "
                     f"process peak over the run {peak_process / 2 ** 20:.0f} MiB.")
        lines.append("")
    if notes:
        lines += notes + [""]
    lines.append(f"<!-- end {key} -->")
    section = "\n".join(lines)

    text = path.read_text() if path.exists() else "# Benchmark results\n"
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        marker = "<!-- tpch sections above -->"
        if marker in text:
            text = text.replace(marker, section + "\n\n" + marker, 1)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
