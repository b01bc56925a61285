"""test_shell.py — the `sluice` shell as a user runs it: output modes, scripts, dot commands.

Runs build/release/sluice (override with SLUICE_BIN) as a subprocess: the -csv output
contract (header, NULL, booleans, dates, timestamps, decimals, doubles, quoting), -json,
-line, -c with several statements, scripts on stdin stopping at the first error with
"LINE n:" and a caret, .read/.mode/.tables/.schema/.timer, examples/quickstart.sql, and
one interactive session through a pseudo-terminal (prompt, continuation, .quit).
"""
import csv
import io
import json
import os
import select
import subprocess
import time

import pytest

from sluice_api import ROOT, SHELL


def run(*args, stdin=None, timeout=60, cwd=None):
    if not SHELL.exists():
        pytest.fail(f"{SHELL} is missing: run `make release` first")
    return subprocess.run([str(SHELL), *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def csv_out(sql):
    p = run("-csv", "-c", sql)
    assert p.returncode == 0, p.stderr
    return p.stdout


# ------------------------------------------------------------------ -csv contract


def test_csv_header_null_and_booleans():
    assert csv_out("SELECT 1 AS a, NULL AS b, true AS t, false AS f, 'x' AS s") == "a,b,t,f,s\n1,,true,false,x\n"


def test_csv_dates_and_timestamps():
    out = csv_out("SELECT DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, "
                  "TIMESTAMP '2024-01-02 03:04:05' AS whole, TIMESTAMP '1999-12-31 23:59:59.5' AS half")
    header, row = out.splitlines()
    assert header == "d,ts,whole,half"
    d, ts, whole, half = row.split(",")
    assert d == "2024-02-29"
    assert ts == "2024-01-02 03:04:05.123456"
    assert whole == "2024-01-02 03:04:05"
    assert half in ("1999-12-31 23:59:59.5", "1999-12-31 23:59:59.500000")


def test_csv_decimal_keeps_scale():
    out = csv_out("SELECT CAST(1.5 AS DECIMAL(15,2)) AS a, CAST(2 AS DECIMAL(10,4)) AS b, "
                  "CAST(-0.05 AS DECIMAL(15,2)) AS c, CAST(123 AS DECIMAL(38,10)) AS d, 1.10 AS lit")
    assert out == "a,b,c,d,lit\n1.50,2.0000,-0.05,123.0000000000,1.10\n"


def test_csv_double_shortest_round_trip():
    out = csv_out("SELECT 0.1::DOUBLE AS a, 1e20::DOUBLE AS b, 1::DOUBLE / 3 AS c, 0.1::DOUBLE + 0.2 AS d, "
                  "-2.5::DOUBLE AS e")
    header, row = out.splitlines()
    a, b, c, d, e = row.split(",")
    assert a == "0.1"
    assert b == "1e+20"
    assert c == "0.3333333333333333"
    assert d == "0.30000000000000004"
    assert e == "-2.5"
    for text, value in [(a, 0.1), (b, 1e20), (c, 1 / 3), (d, 0.1 + 0.2)]:
        assert float(text) == value


def test_csv_quoting():
    out = csv_out("SELECT 'a,b' AS comma, 'say \"hi\"' AS quote, 'one' || chr(10) || 'two' AS newline, "
                  "'plain' AS plain, '' AS empty")
    assert out.startswith("comma,quote,newline,plain,empty\n")
    assert '"a,b","say ""hi""","one\ntwo",plain,' in out
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [["comma", "quote", "newline", "plain", "empty"], ["a,b", 'say "hi"', "one\ntwo", "plain", ""]]


def test_csv_many_rows_and_types():
    out = csv_out("SELECT n, n % 2 = 0 AS even, CAST(n AS DECIMAL(15,2)) AS dec FROM generate_series(1, 3000) AS g(n)")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["n", "even", "dec"]
    assert len(rows) == 3001
    assert rows[1] == ["1", "false", "1.00"]
    assert rows[3000] == ["3000", "true", "3000.00"]


# ------------------------------------------------------------------ -json, -line, table


def test_json_mode():
    p = run("-json", "-c", "SELECT 1 AS a, 'x \"q\"' || chr(10) AS s, NULL AS n, true AS b, 1.5::DOUBLE AS d, "
                           "CAST(2.50 AS DECIMAL(15,2)) AS m, DATE '2024-01-02' AS day "
                           "UNION ALL SELECT 2, 'y', 'z', false, -0.25, 0, DATE '2024-01-03'")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data == [
        {"a": 1, "s": 'x "q"\n', "n": None, "b": True, "d": 1.5, "m": 2.5, "day": "2024-01-02"},
        {"a": 2, "s": "y", "n": "z", "b": False, "d": -0.25, "m": 0, "day": "2024-01-03"},
    ]


def test_json_empty_result():
    p = run("-json", "-c", "SELECT 1 AS a WHERE false")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == []


def test_line_mode():
    p = run("-line", "-c", "SELECT 1 AS a, NULL AS b UNION ALL SELECT 2, 'x'")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "a = 1\nb = NULL\n\na = 2\nb = x\n"


def test_table_mode_is_default():
    p = run("-c", "SELECT 42 AS answer, 'text' AS label")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "┌" in out and "┘" in out
    assert "answer" in out and "label" in out
    assert "INTEGER" in out and "VARCHAR" in out
    assert "42" in out and "text" in out


# ------------------------------------------------------------------ -c, scripts, errors


def test_c_with_several_statements():
    out = csv_out("CREATE TABLE t(a INTEGER, b VARCHAR); INSERT INTO t VALUES (1, 'x'), (2, NULL); "
                  "SELECT * FROM t ORDER BY a; CREATE VIEW v AS SELECT count(*) AS c FROM t; SELECT * FROM v;")
    assert out == "a,b\n1,x\n2,\nc\n2\n"


def test_script_on_stdin():
    script = "CREATE TABLE t AS SELECT n FROM generate_series(1, 5) AS g(n);\n" \
             "-- a comment line\n" \
             "SELECT sum(n) AS s\n  FROM t;\n" \
             "SELECT max(n) AS m FROM t; SELECT min(n) AS lo FROM t;\n"
    p = run("-csv", stdin=script)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "s\n15\nm\n5\nlo\n1\n"


def test_script_stops_at_first_error_with_line_and_caret():
    script = "SELECT 1 AS one;\n" \
             "\n" \
             "SELECT *\n" \
             "FROM missing_table;\n" \
             "SELECT 2 AS two;\n"
    p = run("-csv", stdin=script)
    assert p.returncode == 1
    assert p.stdout == "one\n1\n"
    err = p.stderr
    assert "missing_table" in err
    assert "LINE 4:" in err, err
    lines = err.splitlines()
    at = next(i for i, l in enumerate(lines) if "LINE 4:" in l)
    caret_line = lines[at + 1]
    assert caret_line.strip() == "^", err
    # the caret points at the offending name
    assert lines[at][caret_line.index("^"):].startswith("missing_table"), err


def test_syntax_error_position():
    script = "SELECT 1;\nSELECT 1 +\n  FROM WHERE;\n"
    p = run("-csv", stdin=script)
    assert p.returncode == 1
    err = p.stderr
    assert "rror" in err
    assert "LINE 3:" in err, err
    lines = err.splitlines()
    at = next(i for i, l in enumerate(lines) if "LINE 3:" in l)
    caret = lines[at + 1].index("^")
    assert lines[at][caret:].startswith("FROM") or lines[at][caret:].startswith("WHERE"), err


def test_c_error_exit_status():
    p = run("-c", "SELECT * FROM nope")
    assert p.returncode == 1
    assert p.stdout == ""
    assert "nope" in p.stderr and "^" in p.stderr


def test_unknown_dot_command_is_an_error():
    p = run(stdin=".frobnicate\n")
    assert p.returncode == 1
    assert "frobnicate" in p.stderr


# ------------------------------------------------------------------ dot commands


def test_dot_read(tmp_path):
    inner = tmp_path / "inner.sql"
    inner.write_text("CREATE TABLE r AS SELECT 7 AS x;\nSELECT x * 2 AS y FROM r;\n")
    p = run("-csv", stdin=f".read {inner}\nSELECT x FROM r;\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "y\n14\nx\n7\n"


def test_dot_read_missing_file(tmp_path):
    p = run(stdin=f".read {tmp_path}/nope.sql\nSELECT 1;\n")
    assert p.returncode == 1
    assert "nope.sql" in p.stderr


def test_dot_mode():
    p = run(stdin=".mode csv\nSELECT 1 AS a;\n.mode json\nSELECT 2 AS b;\n.mode line\nSELECT 3 AS c;\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("a\n1\n")
    rest = p.stdout[len("a\n1\n"):]
    json_part, line_part = rest.split("]", 1)
    assert json.loads(json_part + "]") == [{"b": 2}]
    assert line_part.strip() == "c = 3"


def test_dot_mode_rejects_unknown():
    p = run(stdin=".mode fancy\n")
    assert p.returncode == 1
    assert "mode" in p.stderr


def test_dot_tables():
    p = run("-csv", stdin="CREATE TABLE zebra(a INTEGER);\nCREATE TABLE apple(b VARCHAR);\n"
                          "CREATE VIEW vista AS SELECT * FROM apple;\n.tables\n")
    assert p.returncode == 0, p.stderr
    for name in ("zebra", "apple", "vista"):
        assert name in p.stdout


def test_dot_schema():
    p = run(stdin="CREATE TABLE people(id INTEGER, name VARCHAR, balance DECIMAL(15,2), born DATE);\n"
                  "CREATE TABLE other(x DOUBLE);\n.schema people\n")
    assert p.returncode == 0, p.stderr
    assert "CREATE TABLE people(id INTEGER, name VARCHAR, balance DECIMAL(15,2), born DATE);" in p.stdout
    assert "other" not in p.stdout
    p = run(stdin="CREATE TABLE people(id INTEGER);\nCREATE TABLE other(x DOUBLE);\n.schema\n")
    assert "CREATE TABLE people(id INTEGER);" in p.stdout
    assert "CREATE TABLE other(x DOUBLE);" in p.stdout


def test_dot_timer():
    p = run("-csv", stdin=".timer on\nSELECT 1 AS a;\n.timer off\nSELECT 2 AS b;\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("Run Time: real") == 1
    assert p.stdout.index("Run Time") > p.stdout.index("a\n1\n")


def test_dot_print_and_help():
    p = run(stdin=".print 'hello world'\n.help\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("hello world\n")
    assert ".mode" in p.stdout and ".quit" in p.stdout


def test_quickstart_runs():
    script = (ROOT / "examples" / "quickstart.sql").read_text()
    p = run(stdin=script, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert "Busiest stations" in p.stdout
    assert "Amsterdam Centraal" in p.stdout
    assert p.stderr == ""


def test_version_and_bad_option():
    p = run("-version")
    assert p.returncode == 0 and p.stdout.strip()
    p = run("-no-such-option")
    assert p.returncode == 2
    assert "unknown option" in p.stderr


# ------------------------------------------------------------------ interactive (pty)


class Pty:
    """The shell on a pseudo-terminal; read_until collects output until a marker shows."""

    def __init__(self, home):
        import pty
        self.master, slave = pty.openpty()
        env = dict(os.environ, HOME=str(home), TERM="dumb")
        self.proc = subprocess.Popen([str(SHELL)], stdin=slave, stdout=slave, stderr=slave, env=env,
                                     close_fds=True)
        os.close(slave)
        self.seen = ""

    def read_until(self, marker, timeout=20):
        deadline = time.time() + timeout
        while marker not in self.seen:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {marker!r}; output so far: {self.seen!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError(f"shell closed before {marker!r}; output: {self.seen!r}")
                self.seen += data.decode(errors="replace")
        at = self.seen.index(marker) + len(marker)
        before, self.seen = self.seen[:at], self.seen[at:]
        return before

    def send(self, text):
        os.write(self.master, text.encode())

    def close(self):
        try:
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)


def test_interactive_session(tmp_path):
    if not SHELL.exists():
        pytest.fail(f"{SHELL} is missing: run `make release` first")
    sh = Pty(tmp_path)
    try:
        banner = sh.read_until("sluice> ")
        assert "Sluice" in banner
        sh.send("CREATE TABLE t AS SELECT 41 AS n;\n")
        sh.read_until("sluice> ")
        sh.send("SELECT n + 1\n")
        sh.read_until("...> ")                 # continuation prompt of a multi-line statement
        sh.send("  AS answer FROM t;\n")
        out = sh.read_until("sluice> ")
        assert "answer" in out and "42" in out
        sh.send("SELECT * FROM nope;\n")       # errors do not end an interactive session
        out = sh.read_until("sluice> ")
        assert "nope" in out
        sh.send(".quit\n")
        assert sh.proc.wait(timeout=10) == 0
    finally:
        sh.close()
    assert (tmp_path / ".sluice_history").exists()


def test_c_statement_lengths():
    """-c text has no trailing newline; every length must work (the script buffer once
    overflowed by one byte when the shell appended its own newline)."""
    for pad in range(0, 48):
        sql = "SELECT 1 AS a, 2 AS b, CAST(123 AS DECIMAL(38,10)) AS d" + " " * pad
        p = run("-csv", "-c", sql)
        assert p.returncode == 0, (pad, p.stderr)
        assert p.stdout == "a,b,d\n1,2,123.0000000000\n"
