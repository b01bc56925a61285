#!/usr/bin/env python3
"""Fills in / checks the expected results of sqllogictest files using DuckDB.

    .venv/bin/python tests/sqllogic/fill_expected.py [--check] FILE.test...

For every `query` record the SQL runs in DuckDB (one in-memory database per file, with
the file's `statement ok` records executed in order) and the expected block after `----`
is (re)written with DuckDB's answer rendered the way Sluice renders values (the CSV output
contract: DuckDB's VARCHAR cast of each value, NULL as `NULL`, '' as `(empty)`).
`statement error` records are checked to fail in DuckDB too.

A record whose header line ends in `# sluice-only` is left untouched: use it where Sluice
deliberately follows PostgreSQL rather than DuckDB, and say why in a comment above it.

--check only reports records whose stored results differ from DuckDB's (exit 1 if any).
"""
import sys
from pathlib import Path

import duckdb


def render(value_text):
    if value_text is None:
        return "NULL"
    if value_text == "":
        return "(empty)"
    return value_text.replace("\t", " ").replace("\n", " ")


def run_query(con, sql):
    """Returns rows of rendered strings for sql, in DuckDB's output order."""
    rel = con.sql(sql)
    cols = rel.columns
    # Cast every column to VARCHAR in DuckDB itself so values render exactly as DuckDB
    # prints them; `rel` keeps the query's order.
    rows = rel.query("t", "SELECT COLUMNS(*)::VARCHAR FROM t").fetchall()
    letters = "".join(type_letter(str(t)) for t in rel.types)
    return [[render(v) for v in row] for row in rows], len(cols), letters


def type_letter(duck_type: str) -> str:
    t = duck_type.upper()
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return "I"
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "R"
    return "T"


def process(path: Path, check: bool) -> int:
    lines = path.read_text().split("\n")
    out = []
    con = duckdb.connect()
    con.execute("SET threads = 1")
    mismatches = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("statement") or stripped.startswith("query"):
            header = line
            j = i + 1
            sql_lines = []
            while j < len(lines) and lines[j].strip() != "" and lines[j] != "----":
                sql_lines.append(lines[j])
                j += 1
            expected = []
            has_sep = j < len(lines) and lines[j] == "----"
            if has_sep:
                j += 1
                while j < len(lines) and lines[j].strip() != "":
                    expected.append(lines[j])
                    j += 1
            sql = "\n".join(sql_lines)
            sluice_only = header.rstrip().endswith("# sluice-only")
            if header.startswith("statement"):
                out.append(header)
                out.extend(sql_lines)
                if has_sep:
                    out.append("----")
                    out.extend(expected)
                if sluice_only:
                    pass
                elif "error" in header:
                    try:
                        con.execute(sql)
                        print(f"{path}:{i + 1}: DuckDB accepts a statement expected to fail", file=sys.stderr)
                        mismatches += 1
                    except duckdb.Error:
                        pass
                else:
                    try:
                        con.execute(sql)
                    except duckdb.Error as e:
                        print(f"{path}:{i + 1}: DuckDB rejects: {e}", file=sys.stderr)
                        mismatches += 1
                i = j
                continue
            # query record
            out.append(header)
            out.extend(sql_lines)
            if sluice_only:
                out.append("----")
                out.extend(expected)
                i = j
                continue
            try:
                rows, ncols, letters = run_query(con, sql)
            except duckdb.Error as e:
                print(f"{path}:{i + 1}: DuckDB fails: {e}", file=sys.stderr)
                mismatches += 1
                out.append("----")
                out.extend(expected)
                i = j
                continue
            parts = header.split()
            if len(parts) == 1 or parts[1] in ("nosort", "rowsort", "valuesort"):
                # header without column types: fill them in from DuckDB's result
                parts.insert(1, letters)
                header = " ".join(parts)
                out[-1 - len(sql_lines)] = header
            types = parts[1]
            if len(types) != ncols:
                print(f"{path}:{i + 1}: header declares {len(types)} columns, DuckDB returns {ncols}",
                      file=sys.stderr)
                mismatches += 1
            got = ["\t".join(r) for r in rows]
            if check and got != expected:
                sort = header.split()[2] if len(header.split()) > 2 else "nosort"
                if not (sort == "rowsort" and sorted(got) == sorted(expected)):
                    print(f"{path}:{i + 1}: expected block differs from DuckDB", file=sys.stderr)
                    mismatches += 1
            out.append("----")
            out.extend(got if not check else expected)
            i = j
            continue
        out.append(line)
        i += 1
    if not check:
        path.write_text("\n".join(out))
    return mismatches


def main():
    args = sys.argv[1:]
    check = "--check" in args
    files = [Path(a) for a in args if a != "--check"]
    total = sum(process(f, check) for f in files)
    print(f"{len(files)} files, {total} records differ from DuckDB")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
