"""test_persistence.py — persistent databases through the `sluice` shell.

Runs build/release/sluice (override with SLUICE_BIN) as separate processes on one
temporary database directory: rows written by one process are read by the next (every
type, NULLs, long strings, several INSERTs, CREATE TABLE AS, COPY FROM), views keep their
SQL and column names, DROP and CREATE OR REPLACE leave no stale data, a second process
opening a directory that another process holds gets a clear lock error, and a crash
(SIGKILL) in the middle of a session keeps every statement that had finished.
"""
import os
import select
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
    assert sql_ok(db, "SELECT count(*), sum(length(b)) FROM t") == "count_star(),sum(length(b))\n5000,12502500\n"
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
               "CREATE VIEW big(x) AS SELECT a * 10 FROM t WHERE a >= 2")
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


class Holder:
    """An interactive `sluice DB` on a pseudo-terminal (statements run as they are typed),
    so the test can keep a database open in another process. Every read has a timeout."""

    def __init__(self, db, home):
        import pty
        self.master, slave = pty.openpty()
        env = dict(os.environ, HOME=str(home), TERM="dumb")
        self.proc = subprocess.Popen([str(SHELL), str(db)], stdin=slave, stdout=slave, stderr=slave, env=env,
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
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


def test_lock_error_for_concurrent_open(tmp_path):
    db = tmp_path / "db"
    sql_ok(db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)")
    holder = Holder(db, tmp_path)
    try:
        holder.read_until("sluice> ")          # the holder has the database open
        p = run(str(db), "-c", "SELECT 1")
        assert p.returncode == 1
        assert "already open in another process" in p.stderr
        assert str(db) in p.stderr
        holder.send(".quit\n")
        assert holder.proc.wait(timeout=10) == 0
    finally:
        holder.close()
    assert sql_ok(db, "SELECT count(*) FROM t") == "count_star()\n1\n"


def test_crash_keeps_finished_statements(tmp_path):
    db = tmp_path / "db"
    holder = Holder(db, tmp_path)
    try:
        holder.read_until("sluice> ")
        holder.send("CREATE TABLE t(a INTEGER);\n")
        holder.read_until("sluice> ")
        holder.send("INSERT INTO t SELECT * FROM generate_series(1, 3000);\n")
        holder.read_until("sluice> ")
        holder.send("INSERT INTO t SELECT * FROM generate_series(3001, 5000);\n")
        holder.read_until("sluice> ")
        os.kill(holder.proc.pid, signal.SIGKILL)   # no sluice_close: only the per-statement syncs count
    finally:
        holder.close()
    assert sql_ok(db, "SELECT count(*), sum(a) FROM t") == "count_star(),sum(a)\n5000,12502500\n"


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
