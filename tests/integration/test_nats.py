"""test_nats.py — the `nats` source and sink against a real nats-server with JetStream.

The server is started on loopback by the project's own script (scripts/nats.sh, a free port,
store in a temporary directory) once for this module; if it cannot start, the tests fail
with the script's reason. Messages are published and read back with an independent client
(nats-py), and Sluice runs as the shell (`sluice -csv -c "..."`) so that a continuous query
can be cancelled with SIGINT like a user would.

Expected rows are worked out by hand from what is published: the source delivers messages
in stream order, decodes their JSON bodies by column name, and acknowledges a message only
when the next poll finds its batch pushed through the query; at the scan's end the last
batch is NAKed (redelivered at once). With `max_ack_pending = k` a fetch takes at most k
messages, which makes the batches — and so the exact duplicates after a restart — known.
"""
import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import nats  # nats-py, installed into .venv by scripts/install-deps.sh (missing: the module fails, never skips)
import pytest

from sluice_api import ROOT, SHELL

SCRIPT = ROOT / "scripts" / "nats.sh"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not SHELL.exists():
        pytest.fail(f"{SHELL} is missing: run `make release` first")
    state = tmp_path_factory.mktemp("nats")
    env = dict(os.environ, NATS_DIR=str(state))
    try:
        started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=360)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/nats.sh start did not finish within 360 s")
    if started.returncode != 0:
        pytest.fail(f"scripts/nats.sh start failed (exit {started.returncode}): {started.stderr.strip()}")
    url = started.stdout.strip().splitlines()[-1]
    yield url
    subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=30)


# ---------------------------------------------------------------- the independent client

def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 30))


async def _with_js(url, action):
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        return await action(nc.jetstream())
    finally:
        await nc.close()


def make_stream(url, name, subjects):
    """A fresh stream (deleted first when it exists)."""
    async def action(js):
        try:
            await js.delete_stream(name)
        except nats.js.errors.NotFoundError:
            pass
        await js.add_stream(name=name, subjects=subjects)
    run(_with_js(url, action))


def publish(url, messages):
    """Publishes (subject, bytes | dict) pairs with JetStream acks; returns the stream sequences."""
    async def action(js):
        sequences = []
        for subject, body in messages:
            data = json.dumps(body).encode() if isinstance(body, dict) else body
            ack = await js.publish(subject, data)
            sequences.append(ack.seq)
        return sequences
    return run(_with_js(url, action))


def consumer_info(url, stream, durable):
    async def action(js):
        return await js.consumer_info(stream, durable)
    return run(_with_js(url, action))


def read_stream(url, stream, subject):
    """Every message of `stream` on `subject`, in order, through an ephemeral pull consumer."""
    async def action(js):
        sub = await js.pull_subscribe(subject, stream=stream)
        out = []
        while True:
            try:
                got = await sub.fetch(100, timeout=1)
            except (nats.errors.TimeoutError, asyncio.TimeoutError):
                break
            for m in got:
                out.append((m.subject, m.data))
                await m.ack()
        return out
    return run(_with_js(url, action))


# ---------------------------------------------------------------- Sluice

def sluice(sql, timeout=30):
    """Runs statements in a fresh shell; returns (exit code, stdout lines, stderr)."""
    done = subprocess.run([str(SHELL), "-csv", "-c", sql], capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout.splitlines(), done.stderr


def source_sql(url, name, subject, stream, extra="", columns="id BIGINT, amount DOUBLE, _subject VARCHAR"):
    return (f"CREATE SOURCE {name} ({columns}) WITH (connector = 'nats', server = '{url}', "
            f"stream = '{stream}', subject = '{subject}'{extra});")


def order(i, amount=None):
    return {"id": i, "amount": float(i) * 1.5 if amount is None else amount, "note": "x"}


# ---------------------------------------------------------------- source

def test_wildcard_subject_exact_rows(server):
    make_stream(server, "ORDERS", ["orders.>"])
    publish(server, [("orders.eu.fr", order(1)), ("orders.us", order(2)), ("orders.eu.de", order(3)),
                     ("orders.eu.de.berlin", order(4)), ("orders.eu.it", order(5))])
    # orders.eu.* matches one token after orders.eu: ids 1, 3, 5 (not orders.us, not the 4-token subject)
    rc, out, err = sluice(source_sql(server, "s", "orders.eu.*", "ORDERS") +
                          "SELECT id, amount, _subject FROM s LIMIT 3;")
    assert rc == 0, err
    assert out == ["id,amount,_subject", "1,1.5,orders.eu.fr", "3,4.5,orders.eu.de", "5,7.5,orders.eu.it"]
    # `>` matches one or more tokens: all five, in stream order; no stream option: found by subject
    rc, out, err = sluice(f"CREATE SOURCE s (id BIGINT, _subject VARCHAR) WITH (connector = 'nats', "
                          f"server = '{server}', subject = 'orders.>'); SELECT id, _subject FROM s LIMIT 5;")
    assert rc == 0, err
    assert out == ["id,_subject", "1,orders.eu.fr", "2,orders.us", "3,orders.eu.de", "4,orders.eu.de.berlin",
                   "5,orders.eu.it"]


def test_deliver_new_skips_earlier_messages(server):
    make_stream(server, "NEW", ["new.>"])
    publish(server, [("new.a", order(1))])
    sql = source_sql(server, "s", "new.>", "NEW", ", durable = 'fresh', deliver = 'new'") + "SELECT id FROM s LIMIT 2;"
    proc = subprocess.Popen([str(SHELL), "-csv", "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the durable consumer exists once the query runs; then publish two more
        deadline = time.time() + 15
        while True:
            try:
                consumer_info(server, "NEW", "fresh")
                break
            except nats.js.errors.NotFoundError:
                assert time.time() < deadline, "the query did not create its consumer"
                time.sleep(0.05)
        publish(server, [("new.b", order(2)), ("new.c", order(3))])
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.splitlines() == ["id", "2", "3"]


def test_durable_resumes_and_redelivers_only_the_last_batch(server):
    make_stream(server, "RESUME", ["resume.*"])
    publish(server, [(f"resume.{'ab'[i % 2]}", order(i)) for i in range(1, 8)])
    src = source_sql(server, "s", "resume.*", "RESUME", ", durable = 'job', max_ack_pending = 2")
    # run 1: batches {1,2} {3,4}; LIMIT 3 ends inside {3,4}: {1,2} acked, {3,4} NAKed
    rc, out, err = sluice(src + "SELECT id FROM s LIMIT 3;")
    assert rc == 0, err
    assert out == ["id", "1", "2", "3"]
    # run 2 starts at the redelivered {3,4}: 3 is the only duplicate; then {5,6}: 6 NAKed
    rc, out, err = sluice(src + "SELECT id FROM s LIMIT 3;")
    assert rc == 0, err
    assert out == ["id", "3", "4", "5"]
    info = consumer_info(server, "RESUME", "job")
    assert info.ack_floor.stream_seq == 4          # 1..4 acknowledged, 5 and 6 not

    # run 3 is cancelled (SIGINT) after it caught up and acked everything: nothing comes back
    proc = subprocess.Popen([str(SHELL), "-csv", "-c", src + "SELECT id FROM s;"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        assert lines == ["id", "5", "6", "7"]
        deadline = time.time() + 15
        while True:   # the poll after the last batch acks it
            info = consumer_info(server, "RESUME", "job")
            if info.num_ack_pending == 0 and info.num_pending == 0:
                break
            assert time.time() < deadline, f"messages stay unacknowledged: {info}"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == ""
    assert info.ack_floor.stream_seq == 7
    # run 4 sees exactly the messages published since: no loss, no duplicate
    publish(server, [("resume.a", order(8)), ("resume.b", order(9))])
    rc, out, err = sluice(src + "SELECT id FROM s LIMIT 2;")
    assert rc == 0, err
    assert out == ["id", "8", "9"]


BAD = [b'{"id": 100, "amount": ', b"not json at all", b'{"id": 101, "amount": 1.0, "note": "\xff\xfe"}']


def mixed_messages(subject):
    """10 good orders with 3 bad records among them; returns (subject, body) pairs."""
    messages = [(subject, order(i)) for i in range(1, 11)]
    messages.insert(2, (subject, BAD[0]))
    messages.insert(6, (subject, BAD[1]))
    messages.insert(11, (subject, BAD[2]))
    return messages


def test_on_error_skip_counts_exactly(server):
    make_stream(server, "BAD1", ["bad1.>"])
    publish(server, mixed_messages("bad1.x"))
    rc, out, err = sluice(source_sql(server, "s", "bad1.>", "BAD1", ", on_error = 'skip'") +
                          "SELECT id FROM s LIMIT 10;")
    assert rc == 0, err
    assert out == ["id"] + [str(i) for i in range(1, 11)]
    assert "skipped 3 malformed rows" in err


def test_on_error_dead_letter_table(server):
    make_stream(server, "BAD2", ["bad2.>"])
    sequences = publish(server, mixed_messages("bad2.x"))
    bad_sequences = [sequences[2], sequences[6], sequences[11]]
    rc, out, err = sluice(source_sql(server, "s", "bad2.>", "BAD2",
                                     ", on_error = 'dead_letter', dead_letter_table = 'rejects'") +
                          "SELECT id FROM s LIMIT 10;"
                          "SELECT source, \"offset\", error LIKE 'source ''s'' offset %' AS has_error "
                          "FROM rejects ORDER BY \"offset\";"
                          f"SELECT raw FROM rejects WHERE \"offset\" = {bad_sequences[1]};")
    assert rc == 0, err
    assert out[:11] == ["id"] + [str(i) for i in range(1, 11)]
    assert out[11:15] == ["source,offset,has_error"] + [f"s,{q},true" for q in bad_sequences]
    assert out[15:] == ["raw", "not json at all"]


def test_on_error_fail_stops_and_keeps_the_record(server):
    make_stream(server, "BAD3", ["bad3.>"])
    sequences = publish(server, mixed_messages("bad3.x"))
    src = source_sql(server, "s", "bad3.>", "BAD3", ", durable = 'strict', max_ack_pending = 1")
    for _ in range(2):   # the bad record is not acknowledged: a second run fails on it again
        rc, out, err = sluice(src + "SELECT id FROM s;")
        assert rc != 0
        assert f"source 's'" in err and str(sequences[2]) in err, err
    info = consumer_info(server, "BAD3", "strict")
    assert info.ack_floor.stream_seq == 2


def test_option_errors_name_the_option(server):
    rc, out, err = sluice("CREATE SOURCE s (id BIGINT) WITH (connector = 'nats', subject = 'a.b', deliver = 'old');")
    assert rc != 0 and "option 'deliver' expects 'all' or 'new', got 'old'" in err
    rc, out, err = sluice("CREATE SOURCE s (id BIGINT) WITH (connector = 'nats', stream = 'X');")
    assert rc != 0 and "needs the option subject" in err
    rc, out, err = sluice("CREATE SOURCE s (id BIGINT) WITH (connector = 'nats', subject = 'a', on_error = 'dead_letter');")
    assert rc != 0 and "dead_letter_table" in err
    # a server that does not answer fails the query (not CREATE SOURCE) with its address
    rc, out, err = sluice("CREATE SOURCE s (id BIGINT) WITH (connector = 'nats', server = 'nats://127.0.0.1:1', "
                          "subject = 'a'); SELECT * FROM s;")
    assert rc != 0 and "cannot connect to NATS server nats://127.0.0.1:1" in err
    rc, out, err = sluice(source_sql(server, "s", "a.b", "NO_SUCH_STREAM") + "SELECT * FROM s;")
    assert rc != 0 and "stream not found" in err


# ---------------------------------------------------------------- sink

def test_sink_json_and_debezium(server):
    make_stream(server, "OUT", ["out.>"])
    rc, out, err = sluice(
        "CREATE TABLE t (id INTEGER, name VARCHAR, price DOUBLE);"
        "INSERT INTO t VALUES (1, 'a', 1.5), (2, NULL, 2.0), (3, 'c\"q', -3.25);"
        f"CREATE SINK plain AS SELECT id, name, price FROM t ORDER BY id WITH (connector = 'nats', server = '{server}', "
        "subject = 'out.plain', format = 'json');"
        f"CREATE SINK changes AS SELECT id, name FROM t ORDER BY id WITH (connector = 'nats', server = '{server}', "
        "subject = 'out.cdc', format = 'debezium-json');"
        "SHOW SINKS;")
    assert rc == 0, err
    got = read_stream(server, "OUT", "out.plain")
    assert [s for s, _ in got] == ["out.plain"] * 3
    assert [json.loads(d) for _, d in got] == [{"id": 1, "name": "a", "price": 1.5},
                                                {"id": 2, "name": None, "price": 2.0},
                                                {"id": 3, "name": 'c"q', "price": -3.25}]
    got = read_stream(server, "OUT", "out.cdc")
    assert [json.loads(d) for _, d in got] == [{"before": None, "after": {"id": i, "name": n}, "op": "c"}
                                                for i, n in [(1, "a"), (2, None), (3, 'c"q')]]


def test_sink_of_an_updating_result(server):
    # a bounded `table` source, one row per batch: count per k changes +I a, +I b, -U/+U a
    make_stream(server, "UPD", ["upd.>"])
    rc, out, err = sluice(
        "CREATE TABLE t (k VARCHAR, v INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2), ('a', 3);"
        "CREATE SOURCE ts WITH (connector = 'table', table = 't', rows_per_batch = 1);"
        f"CREATE SINK cdc AS SELECT k, count(*) AS n FROM ts GROUP BY k WITH (connector = 'nats', server = '{server}', "
        "subject = 'upd.cdc', format = 'debezium-json');"
        f"CREATE SINK ops AS SELECT k, count(*) AS n FROM ts GROUP BY k WITH (connector = 'nats', server = '{server}', "
        "subject = 'upd.ops');"
        "SHOW SINKS;")
    assert rc == 0, err
    assert out[1:] == ["cdc,finished,3,upd.cdc,debezium-json,", "ops,finished,4,upd.ops,json,"]
    assert [json.loads(d) for _, d in read_stream(server, "UPD", "upd.cdc")] == [
        {"before": None, "after": {"k": "a", "n": 1}, "op": "c"},
        {"before": None, "after": {"k": "b", "n": 1}, "op": "c"},
        {"before": {"k": "a", "n": 1}, "after": {"k": "a", "n": 2}, "op": "u"}]
    assert [json.loads(d) for _, d in read_stream(server, "UPD", "upd.ops")] == [
        {"op": "+I", "k": "a", "n": 1}, {"op": "+I", "k": "b", "n": 1},
        {"op": "-U", "k": "a", "n": 1}, {"op": "+U", "k": "a", "n": 2}]


def test_continuous_pipeline_from_nats_to_nats(server, conn):
    """A sink fed by a continuous query over a nats source, in this process (the library): rows
    published while it runs come out on the sink's subject (read with the independent client),
    and sluice_sources shows the split's stream position, lag, rows and rejects meanwhile."""
    make_stream(server, "PIN", ["pin.>"])
    make_stream(server, "POUT", ["pout.>"])
    conn.execute(source_sql(server, "src", "pin.>", "PIN", ", durable = 'pipe', on_error = 'skip'"))
    conn.execute("CREATE SINK doubled AS SELECT id, amount * 2 AS twice, _subject FROM src "
                 f"WITH (connector = 'nats', server = '{server}', subject = 'pout.doubled')")
    publish(server, [("pin.a", order(1)), ("pin.b", order(2))])
    publish(server, [("pin.a", b"{broken"), ("pin.a", order(3))])
    expected = [{"id": 1, "twice": 3.0, "_subject": "pin.a"}, {"id": 2, "twice": 6.0, "_subject": "pin.b"},
                {"id": 3, "twice": 9.0, "_subject": "pin.a"}]
    got, deadline = [], time.time() + 15
    while len(got) < len(expected) and time.time() < deadline:
        got += [json.loads(d) for _, d in read_stream(server, "POUT", "pout.doubled")]
    assert got == expected
    while True:   # the poll after the last batch acks it
        info = consumer_info(server, "PIN", "pipe")
        if info.num_ack_pending == 0:
            break
        assert time.time() < deadline, f"messages stay unacknowledged: {info}"
        time.sleep(0.05)
    assert info.ack_floor.stream_seq == 4
    # one split named by the filter subject; next_offset = the stream sequence after the last read
    _, rows = conn.query("SELECT split, \"partition\", name, next_offset, lag, rows, rejected FROM sluice_sources")
    assert rows == [["0", None, "pin.>", "5", "0", "3", "1"]]
    conn.execute("DROP SINK doubled")


def test_sink_without_stream_fails_with_reason(server):
    rc, out, err = sluice("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);"
                          f"CREATE SINK nowhere AS SELECT id FROM t WITH (connector = 'nats', server = '{server}', "
                          "subject = 'unstored.subject');")
    assert rc != 0
    assert "sink 'nowhere'" in err and "no stream stores this subject" in err, err
