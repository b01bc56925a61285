#!/usr/bin/env python3
"""TPC-H correctness: all 22 queries on Sluice compared with DuckDB on the same files.

Data comes from tpchgen-cli (CSV with header) at the given scale factor and is cached in
tests/tpch/data/sf<scale>/. Both engines load it with typed CREATE TABLE (schema.sql) +
COPY. Sluice is driven through its C API (libsluice.so via ctypes), so this also
exercises sluice_query / sluice_result_fetch / sluice_chunk_value_text.

Values are compared cell by cell: numbers numerically (exact for integers and decimals as
rendered; relative 1e-9 for floating point), everything else as text. Prints one line per
query and ends with "N passed, N failed".
"""
import argparse
import ctypes
import math
import os
import subprocess
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TABLES = ["nation", "region", "part", "supplier", "partsupp", "customer", "orders", "lineitem"]


def generate(scale: float) -> Path:
    out = HERE / "data" / f"sf{scale:g}"
    if all((out / f"{t}.csv").exists() for t in TABLES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    tool = ROOT / ".venv" / "bin" / "tpchgen-cli"
    subprocess.run([str(tool), "csv", "-s", f"{scale:g}", f"--output-dir={out}"], check=True,
                   stdout=subprocess.DEVNULL)
    return out


class Sluice:
    """Minimal ctypes binding of include/sluice.h."""

    def __init__(self, library: Path):
        lib = ctypes.CDLL(str(library))
        vp = ctypes.c_void_p
        lib.sluice_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp), ctypes.POINTER(ctypes.c_char_p)]
        lib.sluice_connect.argtypes = [vp, ctypes.POINTER(vp)]
        lib.sluice_query.argtypes = [vp, ctypes.c_char_p, ctypes.POINTER(vp)]
        lib.sluice_connection_error.argtypes = [vp]
        lib.sluice_connection_error.restype = ctypes.c_char_p
        lib.sluice_result_column_count.argtypes = [vp]
        lib.sluice_result_column_count.restype = ctypes.c_uint32
        lib.sluice_result_fetch.argtypes = [vp, ctypes.POINTER(vp)]
        lib.sluice_result_free.argtypes = [vp]
        lib.sluice_chunk_row_count.argtypes = [vp]
        lib.sluice_chunk_row_count.restype = ctypes.c_uint64
        lib.sluice_chunk_is_null.argtypes = [vp, ctypes.c_uint32, ctypes.c_uint64]
        lib.sluice_chunk_is_null.restype = ctypes.c_bool
        lib.sluice_chunk_value_text.argtypes = [vp, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t]
        lib.sluice_chunk_value_text.restype = ctypes.c_size_t
        lib.sluice_chunk_free.argtypes = [vp]
        lib.sluice_result_message.argtypes = [vp]
        lib.sluice_result_message.restype = ctypes.c_char_p
        self.last_message = None
        lib.sluice_disconnect.argtypes = [vp]
        lib.sluice_close.argtypes = [vp]
        self.lib = lib
        self.db = vp()
        err = ctypes.c_char_p()
        if lib.sluice_open(None, ctypes.byref(self.db), ctypes.byref(err)) != 0:
            raise RuntimeError(err.value)
        self.conn = vp()
        if lib.sluice_connect(self.db, ctypes.byref(self.conn)) != 0:
            raise RuntimeError("connect failed")

    def query(self, sql: str):
        lib = self.lib
        result = ctypes.c_void_p()
        if lib.sluice_query(self.conn, sql.encode(), ctypes.byref(result)) != 0:
            raise RuntimeError(lib.sluice_connection_error(self.conn).decode())
        rows = []
        self.last_message = None
        if not result:
            return rows
        message = lib.sluice_result_message(result)
        self.last_message = message.decode() if message else None
        ncols = lib.sluice_result_column_count(result)
        buf = ctypes.create_string_buffer(4096)
        while True:
            chunk = ctypes.c_void_p()
            if lib.sluice_result_fetch(result, ctypes.byref(chunk)) != 0:
                lib.sluice_result_free(result)
                raise RuntimeError(lib.sluice_connection_error(self.conn).decode())
            if not chunk:
                break
            for r in range(lib.sluice_chunk_row_count(chunk)):
                row = []
                for c in range(ncols):
                    if lib.sluice_chunk_is_null(chunk, c, r):
                        row.append(None)
                    else:
                        n = lib.sluice_chunk_value_text(chunk, c, r, buf, len(buf))
                        if n >= len(buf):
                            big = ctypes.create_string_buffer(n + 1)
                            lib.sluice_chunk_value_text(chunk, c, r, big, n + 1)
                            row.append(big.value.decode())
                        else:
                            row.append(buf.value.decode())
                rows.append(row)
            lib.sluice_chunk_free(chunk)
        lib.sluice_result_free(result)
        return rows

    def close(self):
        self.lib.sluice_disconnect(self.conn)
        self.lib.sluice_close(self.db)


def cells_equal(expected, actual) -> bool:
    """expected: a DuckDB Python value; actual: Sluice's text rendering (or None)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool):
        return str(expected).lower() == actual
    if isinstance(expected, float):
        try:
            return math.isclose(expected, float(actual), rel_tol=1e-9, abs_tol=1e-9)
        except ValueError:
            return False
    if isinstance(expected, (int, Decimal)):
        try:
            return Decimal(actual) == Decimal(expected)
        except InvalidOperation:
            return False
    return str(expected) == actual


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", default=str(ROOT / "build" / "release" / "sluice"),
                    help="path of the sluice binary; libsluice.so is taken from its directory")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--queries", default="1-22")
    ap.add_argument("--threads", type=int, default=0,
                    help="SET threads = N in Sluice before loading (default: its own default, all cores)")
    ap.add_argument("--memory-limit", default=None,
                    help="SET memory_limit = '...' in Sluice after loading (e.g. 4MB: the blocking operators "
                         "spill to disk; table data is not counted)")
    args = ap.parse_args()

    import duckdb

    data = generate(args.scale)
    schema = (HERE / "schema.sql").read_text()
    lo, _, hi = args.queries.partition("-")
    numbers = range(int(lo), int(hi or lo) + 1)

    duck = duckdb.connect()
    duck.execute("SET threads = 1")
    duck.execute(schema)
    sl = Sluice(Path(args.sluice).resolve().parent / "libsluice.so")
    if args.threads > 0:
        sl.query(f"SET threads = {args.threads}")
    sl.query(schema)
    t0 = time.time()
    for table in TABLES:
        path = data / f"{table}.csv"
        duck.execute(f"COPY {table} FROM '{path}' (FORMAT csv, HEADER)")
        sl.query(f"COPY {table} FROM '{path}' (FORMAT csv, HEADER)")
    print(f"loaded SF {args.scale:g} in {time.time() - t0:.1f}s (both engines)")
    if args.memory_limit:
        sl.query(f"SET memory_limit = '{args.memory_limit}'")

    passed = failed = 0
    for n in numbers:
        sql = (HERE / "queries" / f"q{n:02d}.sql").read_text()
        expected = [list(r) for r in duck.execute(sql).fetchall()]
        try:
            t = time.time()
            actual = sl.query(sql)
            elapsed = time.time() - t
        except RuntimeError as e:
            print(f"q{n:02d} FAIL: {e}")
            failed += 1
            continue
        problem = None
        if len(expected) != len(actual):
            problem = f"expected {len(expected)} rows, got {len(actual)}"
        else:
            for i, (er, ar) in enumerate(zip(expected, actual)):
                if len(er) != len(ar):
                    problem = f"row {i + 1}: expected {len(er)} columns, got {len(ar)}"
                    break
                for j, (ev, av) in enumerate(zip(er, ar)):
                    if not cells_equal(ev, av):
                        problem = f"row {i + 1} column {j + 1}: expected {ev!r}, got {av!r}"
                        break
                if problem:
                    break
        if problem:
            print(f"q{n:02d} FAIL: {problem}")
            failed += 1
        else:
            note = f", {sl.last_message}" if sl.last_message else ""
            print(f"q{n:02d} ok ({len(actual)} rows, {elapsed:.3f}s{note})")
            passed += 1
    sl.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
