"""test_persistence.py — persistent databases through the `sluice` shell.

Runs build/release/sluice (override with SLUICE_BIN) as separate processes on one
temporary database directory: rows written by one process are read by the next (every
type, NULLs, long strings, several INSERTs, CREATE TABLE AS, COPY FROM), views keep their
SQL and column names, DROP and CREATE OR REPLACE leave no stale data, a second process
opening a directory that another process holds gets a clear lock error, and a crash
(SIGKILL) in the middle of a session keeps every statement that had finished.
"""
import os
import signal
import subprocess
import time

import pytest

from sluice_api import SHELL


def run(*args, stdin=None, timeout=60):
    if not SHELL.exists():
        pytest.fail(f"{SHELL} is missing: run `make release` first")
    return subprocess.run([str(SHELL), *args], input=stdin, capture_output=True, text=True, timeout=timeout)


def sql_ok(db, sql):
    p = run("-csv", str(db), "-c", sql)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_rows_survive_across_processes(tmp_path):
    db = tmp_path / "mydb"
    sql_ok(db, "CREATE TABLE t(a INTEGER NOT NULL, b VARCHAR, c DECIMAL(30,4), d DECIMAL(9,2), e DATE, "
               "f TIMESTAMP, g INTERVAL, h BOOLEAN, i DOUBLE, j BIGINT);"
               "INSERT INTO t VALUES (1, 'one', 1.5, 2.25, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05', "
               "INTERVAL '2 days', true, 0.1, 10);"
               "INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    sql_ok(db, "INSERT INTO t (a, b) SELECT i, repeat('s', i) FROM generate_series(3, 5000) g(i)")
    assert db.is_dir() and (db / "manifest").exists()
    out = sql_ok(db, "SELECT * FROM t WHERE a <= 2 ORDER BY a")
    assert out == ("a,b,c,d,e,f,g,h,i,j\n"
                   "1,one,1.5000,2.25,2024-02-29,2024-01-02 03:04:05,2 days,true,0.1,10\n"
                   "2,,,,,,,,,\n")
    assert sql_ok(db, "SELECT count(*), sum(length(b)) FROM t") == "count_star(),sum(length(b))\n5000,12502503\n"
    # a third process appends, a fourth sees both
    sql_ok(db, "CREATE TABLE s AS SELECT a FROM t WHERE a % 1000 = 0")
    assert sql_ok(db, "SELECT count(*) FROM s") == "count_star()\n5\n"


def test_copy_from_persists(tmp_path):
    db = tmp_path / "db"
    data = tmp_path / "in.csv"
    data.write_text("id,name\n1,x\n2,\n3,\"with, comma\"\n")
    sql_ok(db, f"CREATE TABLE c(id INTEGER, name VARCHAR); COPY c FROM '{data}' (HEADER)")
    assert sql_ok(db, "SELECT * FROM c ORDER BY id") == 'id,name\n1,x\n2,\n3,"with, comma"\n'


def test_views_survive(tmp_path):
    db = tmp_path / "db"
    sql_ok(db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2), (3);"
               "CREATE VIEW big(x) AS SELECT a * 10\nFROM t WHERE a >= 2")
    assert sql_ok(db, "SELECT * FROM big ORDER BY x") == "x\n20\n30\n"
    sql_ok(db, "INSERT INTO t VALUES (4)")
    assert sql_ok(db, "SELECT * FROM big ORDER BY x") == "x\n20\n30\n40\n"
    sql_ok(db, "CREATE OR REPLACE VIEW big AS SELECT a AS y FROM t WHERE a = 1")
    assert sql_ok(db, "SELECT * FROM big") == "y\n1\n"
    sql_ok(db, "DROP VIEW big")
    p = run(str(db), "-c", "SELECT * FROM big")
    assert p.returncode == 1 and "big" in p.stderr


def test_drop_and_replace(tmp_path):
    db = tmp_path / "db"
    sql_ok(db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)")
    sql_ok(db, "DROP TABLE t; CREATE TABLE t(b VARCHAR); INSERT INTO t VALUES ('new')")
    sql_ok(db, "CREATE OR REPLACE TABLE t AS SELECT 'newer' AS c")
    assert sql_ok(db, "SELECT * FROM t") == "c\nnewer\n"
    assert sorted(p.name for p in db.iterdir() if p.name.startswith("t_")) == ["t_3.data"]


def test_lock_error_for_concurrent_open(tmp_path):
    db = tmp_path / "db"
    sql_ok(db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)")
    holder = subprocess.Popen([str(SHELL), str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # the holder has the database open once it answers a query
        holder.stdin.write("SELECT 42 AS ready;\n")
        holder.stdin.flush()
        deadline = time.time() + 30
        line = ""
        while "42" not in line and time.time() < deadline:
            line += holder.stdout.readline()
        assert "42" in line
        p = run(str(db), "-c", "SELECT 1")
        assert p.returncode == 1
        assert "already open in another process" in p.stderr
        assert str(db) in p.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert sql_ok(db, "SELECT count(*) FROM t") == "count_star()\n1\n"


def test_crash_keeps_finished_statements(tmp_path):
    db = tmp_path / "db"
    proc = subprocess.Popen([str(SHELL), "-csv", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write("CREATE TABLE t(a INTEGER);\nINSERT INTO t SELECT * FROM generate_series(1, 3000);\n"
                     "SELECT 'done' AS marker;\n")
    proc.stdin.flush()
    deadline = time.time() + 30
    out = ""
    while "done" not in out and time.time() < deadline:
        out += proc.stdout.readline()
    assert "done" in out
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert sql_ok(db, "SELECT count(*), sum(a) FROM t") == "count_star(),sum(a)\n3000,4501500\n"


def test_not_a_database(tmp_path):
    f = tmp_path / "file.db"
    f.write_text("hello")
    p = run(str(f), "-c", "SELECT 1")
    assert p.returncode == 1 and "not a directory" in p.stderr
    d = tmp_path / "stuff"
    d.mkdir()
    (d / "notes.txt").write_text("x")
    p = run(str(d), "-c", "SELECT 1")
    assert p.returncode == 1 and "no Sluice manifest" in p.stderr
