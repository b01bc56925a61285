"""test_file_source.py — the `file` connector with real files that grow, and the bad-record
policy at scale.

- A continuous query over a followed file runs in the shell (`sluice -csv -c ...`): lines
  appended while it runs appear as rows; half a line waits for its newline; a new file
  matching the glob is picked up; a truncated file is read again from its start; a rotated
  file (renamed, a new one created under its name) continues with the new file; SIGINT
  stops it cleanly.
- The 1%-corruption test: 100,000 good JSON records with 1,010 corrupt ones mixed in (every
  error kind in turn), on_error = 'dead_letter': the good output equals the clean run's
  exactly, row for row in file order, and the dead-letter table holds exactly the injected
  records, each with its line and raw bytes.
Expected values come from the records the test writes itself.
"""
import json
import os
import select
import signal
import subprocess
import time

import pytest

from sluice_api import SHELL


class Query:
    """A continuous query in the shell, its output read line by line straight from the
    pipe (select() on a buffered file object would miss lines already buffered)."""

    def __init__(self, sql):
        if not SHELL.exists():
            pytest.fail(f"{SHELL} is missing: run `make release` first")
        self.proc = subprocess.Popen([str(SHELL), "-csv", "-c", sql], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.pending = b""

    def lines(self, count, timeout=15):
        """The next `count` lines of output (fails after timeout seconds)."""
        fd = self.proc.stdout.fileno()
        deadline = time.time() + timeout
        while self.pending.count(b"\n") < count:
            left = deadline - time.time()
            assert left > 0, f"only {self.pending!r} of {count} lines arrived"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                assert chunk, f"the query ended early: {self.proc.stderr.read()!r}"
                self.pending += chunk
        lines = self.pending.split(b"\n")
        self.pending = b"\n".join(lines[count:])
        return [line.decode() for line in lines[:count]]

    def nothing_more(self, seconds=0.7):
        if self.pending:
            return False
        ready, _, _ = select.select([self.proc.stdout.fileno()], [], [], seconds)
        return not ready


def append(path, text):
    with open(path, "a") as f:
        f.write(text)
        f.flush()


def bid(i, price=None):
    return json.dumps({"id": i, "name": f"n{i}", "ts": f"2024-01-01 00:{i // 60 % 60:02d}:{i % 60:02d}"}) + "\n"


def test_follow_tails_appends_new_files_truncation_and_rotation(tmp_path):
    first = tmp_path / "a.json"
    first.write_text(bid(1) + bid(2))
    q = Query(f"CREATE SOURCE s (id INTEGER, name VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) "
              f"WITH (connector = 'file', path = '{tmp_path}/*.json'); SELECT id, name FROM s;")
    try:
        assert q.lines(3) == ["id,name", "1,n1", "2,n2"]
        # an appended line appears; half a line waits for its newline
        append(first, bid(3))
        assert q.lines(1) == ["3,n3"]
        line = bid(4)
        append(first, line[:10])
        assert q.nothing_more()
        append(first, line[10:])
        assert q.lines(1) == ["4,n4"]
        # a new file matching the glob is picked up
        (tmp_path / "b.json").write_text(bid(5))
        assert q.lines(1) == ["5,n5"]
        (tmp_path / "ignored.txt").write_text(bid(99))
        append(tmp_path / "b.json", bid(6))
        assert q.lines(1) == ["6,n6"]
        # copytruncate: the file shrinks below what was read, it is read again from its start
        first.write_text(bid(7))
        assert q.lines(1) == ["7,n7"]
        # rotation: the file is renamed (to a name outside the glob) and a new one created;
        # the open file is read to its end first, then the new file from its start
        append(first, bid(8))
        assert q.lines(1) == ["8,n8"]
        os.rename(first, tmp_path / "a.json.1")
        first.write_text(bid(9) + bid(10))
        assert q.lines(2) == ["9,n9", "10,n10"]
        assert q.nothing_more()
        q.proc.send_signal(signal.SIGINT)
        out, err = q.proc.communicate(timeout=15)
    finally:
        q.proc.kill()
    assert q.proc.returncode == 0, err
    assert out.strip() == b""


def corrupt(kind, i):
    """One corrupt record of each kind (the file source's max_record_bytes is 400)."""
    good = bid(i).rstrip("\n")
    return {
        0: good[:-5],                                                    # truncated
        1: good.replace(",", " ", 1),                                    # malformed
        2: good.replace('"n', '"\xff', 1),                               # invalid UTF-8 (written latin-1)
        3: good.replace(f'"id": {i}', '"id": "x"'),                      # type mismatch
        4: good.replace('"ts": "', '"ts": null, "t": "'),                # NULL event time
        5: good.replace(f'"id": {i}', '"id": 9999999999999'),            # numeric overflow
        6: good[:-1] + ', "pad": "' + "p" * 500 + '"}',                  # over max_record_bytes
        7: good.replace(f'"id": {i}', '"id": {"deep": [[[1]]]}'),        # nested into INTEGER
        8: good + " trailing",                                           # text after the object
        9: '{"id": ' + "[" * 300 + "}",                                  # mismatched brackets
    }[kind]


def test_one_percent_corruption_goes_to_dead_letters_exactly(tmp_path, conn):
    good_count, every = 100_000, 99
    clean = tmp_path / "clean.json"
    dirty = tmp_path / "dirty.json"
    injected = []
    with open(clean, "w") as c, open(dirty, "w", encoding="latin-1") as d:
        line = 0
        for i in range(good_count):
            record = bid(i)
            c.write(record)
            d.write(record)
            line += 1
            if i % every == every - 1:
                bad = corrupt(len(injected) % 10, i)
                d.write(bad + "\n")
                line += 1
                injected.append((line, bad))
    assert len(injected) == good_count // every   # 1,010: just over 1%
    columns = "(id INTEGER, name VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts)"
    conn.execute(f"CREATE SOURCE clean {columns} WITH (connector = 'file', path = '{clean}', follow = false, "
                 f"max_record_bytes = 400)")
    conn.execute(f"CREATE SOURCE dirty {columns} WITH (connector = 'file', path = '{dirty}', follow = false, "
                 f"max_record_bytes = 400, on_error = 'dead_letter', dead_letter_table = 'rejects')")
    clean_rows = conn.rows("SELECT id, name, ts FROM clean")
    dirty_rows = conn.rows("SELECT id, name, ts FROM dirty")
    assert len(clean_rows) == good_count
    assert dirty_rows == clean_rows   # the same rows in the same (file) order
    rejects = conn.rows("SELECT line, raw, error FROM rejects ORDER BY line")
    assert len(rejects) == len(injected)
    for (line, raw, error), (want_line, bad) in zip(rejects, injected):
        assert int(line) == want_line
        # every record is under 1 KB: kept whole, the invalid byte as \\xFF
        want_raw = bad.encode("latin-1").decode("utf-8", errors="backslashreplace").replace("\\xff", "\\xFF")
        assert raw == want_raw, (line, raw)
        assert f"source 'dirty' file '{dirty}' line {line}: " in error
    kinds = [error.split(": ", 1)[1].split(" ")[0:2] for _, _, error in rejects[:10]]
    assert kinds == [["truncated", "JSON:"], ["invalid", "JSON"], ["invalid", "UTF-8"], ["type", "mismatch"],
                     ["NULL", "event"], ["numeric", "overflow"], ["record", "of"], ["type", "mismatch"],
                     ["invalid", "JSON"], ["invalid", "JSON"]]
    # skip counts the same records without keeping them
    conn.execute(f"CREATE SOURCE skipping {columns} WITH (connector = 'file', path = '{dirty}', follow = false, "
                 f"max_record_bytes = 400, on_error = 'skip')")
    assert conn.rows("SELECT count(*) FROM skipping") == [[str(good_count)]]


def test_positions_and_counts_in_sluice_sources(tmp_path, conn):
    """While a continuous query runs (C API), another connection sees one split per file
    with its next line, rows and rejects."""
    import ctypes
    (tmp_path / "a.json").write_text(bid(1) + '{"id": "x"}\n' + bid(2))
    (tmp_path / "b.json").write_text(bid(3))
    conn.execute(f"CREATE SOURCE s (id INTEGER, name VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) "
                 f"WITH (connector = 'file', path = '{tmp_path}/*.json', on_error = 'skip')")
    lib = conn.lib
    result = conn._run("SELECT id FROM s")
    other = ctypes.c_void_p()
    assert lib.sluice_connect(conn.db, ctypes.byref(other)) == 0
    watcher = type(conn).__new__(type(conn))
    watcher.lib, watcher.db, watcher.conn = lib, None, other
    try:
        assert lib.sluice_result_is_continuous(result)
        want = [[f"{tmp_path}/a.json", "4", "2", "1"], [f"{tmp_path}/b.json", "2", "1", "0"]]
        deadline = time.time() + 15
        while True:
            chunk = ctypes.c_void_p()
            lib.sluice_result_poll(result, 50, ctypes.byref(chunk))
            if chunk:
                lib.sluice_chunk_free(chunk)
            got = watcher.rows("SELECT name, next_offset, rows, rejected FROM sluice_sources ORDER BY name")
            if got == want:
                break
            assert time.time() < deadline, got
        append(tmp_path / "b.json", bid(4))
        want[1] = [f"{tmp_path}/b.json", "3", "2", "0"]
        while watcher.rows("SELECT name, next_offset, rows, rejected FROM sluice_sources ORDER BY name") != want:
            chunk = ctypes.c_void_p()
            lib.sluice_result_poll(result, 50, ctypes.byref(chunk))
            if chunk:
                lib.sluice_chunk_free(chunk)
            assert time.time() < deadline
    finally:
        lib.sluice_interrupt(conn.conn)
        lib.sluice_result_free(result)
        lib.sluice_disconnect(other)
