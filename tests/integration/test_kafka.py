"""test_kafka.py — the `kafka` source and sink against a real Apache Kafka broker.

The broker (KRaft, broker and controller in one JVM, on loopback) is started once for the
session by the project's own script (scripts/kafka.sh: jars from Maven Central in the project's
cache, a free port, data in a temporary directory); if it cannot start, every test fails with
the script's reason. Records are produced and read back with an independent client
(confluent-kafka), and Sluice runs as the shell (`sluice -csv -c "..."`).

Expected rows are worked out by hand from what is produced: the source decodes each message's
JSON value by column name, fills _key, _partition, _offset and _timestamp from the message,
and with scan.bounded.mode = 'latest-offset' ends at the offsets the topic had when the
query started, so a query's result is exact. The broker is started with a group rebalance
delay of 3 s so that three processes started together share a topic's partitions from the
first assignment.
"""
import csv
import io
import json
import os
import signal
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition  # .venv via scripts/install-deps.sh: never skipped

import sluice_api
from sluice_api import ROOT, SHELL

SCRIPT = ROOT / "scripts" / "kafka.sh"


@pytest.fixture(scope="session")
def kafka(tmp_path_factory):
    if not SHELL.exists():
        pytest.fail(f"{SHELL} is missing: run `make release` first")
    state = tmp_path_factory.mktemp("kafka")
    env = dict(os.environ, KAFKA_DIR=str(state), KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="3000")
    try:
        started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=900,
                                 stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/kafka.sh start did not finish within 900 s")
    if started.returncode != 0:
        pytest.fail(f"scripts/kafka.sh start failed (exit {started.returncode}): {started.stderr.strip()[-3000:]}")
    bootstrap = started.stdout.strip().splitlines()[-1]
    yield {"bootstrap": bootstrap, "env": env}
    subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def new_topic(kafka, partitions):
    name = "t_" + uuid.uuid4().hex[:10]
    done = subprocess.run([str(SCRIPT), "create-topic", name, str(partitions)], env=kafka["env"],
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return name


# ---------------------------------------------------------------- the independent client

def produce(kafka, topic, records):
    """records: (partition, key or None, value bytes/str/dict). Returns [(partition, offset)] in order."""
    producer = Producer({"bootstrap.servers": kafka["bootstrap"], "enable.idempotence": True, "linger.ms": 5})
    placed = [None] * len(records)

    def report(index):
        def callback(error, message):
            assert error is None, error
            placed[index] = (message.partition(), message.offset())
        return callback

    for i, (partition, key, value) in enumerate(records):
        if isinstance(value, dict):
            value = json.dumps(value)
        producer.produce(topic, value=value, key=key, partition=partition, callback=report(i))
        if i % 10000 == 9999:
            producer.poll(0)
    assert producer.flush(30) == 0
    assert None not in placed
    return placed


def consume_all(kafka, topic, partitions, timeout=30):
    """Every message of the topic (from the beginning up to the current end) as
    (partition, offset, key, value, headers), sorted by partition and offset."""
    consumer = Consumer({"bootstrap.servers": kafka["bootstrap"], "group.id": "check-" + uuid.uuid4().hex,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    ends = {}
    for p in range(partitions):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        ends[p] = high
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = []
    deadline = time.time() + timeout
    position = {p: 0 for p in range(partitions)}
    while any(position[p] < ends[p] for p in ends) and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        position[m.partition()] = m.offset() + 1
        got.append((m.partition(), m.offset(), m.key(), m.value(), m.headers()))
    consumer.close()
    assert all(position[p] >= ends[p] for p in ends), f"topic {topic} not read to its end: {position} < {ends}"
    return sorted(got, key=lambda r: (r[0], r[1]))


# ---------------------------------------------------------------- Sluice

def sluice(sql, timeout=60):
    """Runs statements in a fresh shell (-csv); returns (exit code, rows of the last result with header, stderr)."""
    done = subprocess.run([str(SHELL), "-csv", "-c", sql], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return done.returncode, list(csv.reader(io.StringIO(done.stdout))), done.stderr


def source_sql(kafka, name, topic, columns, extra=""):
    return (f"CREATE SOURCE {name} ({columns}) WITH (connector = 'kafka', topic = '{topic}', "
            f"properties.bootstrap.server = '{kafka['bootstrap']}', scan.startup.mode = 'earliest'{extra});\n")


BID_COLUMNS = "auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP"


def bid(i, second=None):
    """A Nexmark-like bid (about 100 bytes of JSON)."""
    second = i if second is None else second
    return {"auction": 1000 + i % 7, "bidder": 2000 + i, "price": 100 + (i * 37) % 1000,
            "channel": "Google", "date_time": f"2024-01-01 00:{second // 60 % 60:02d}:{second % 60:02d}"}


# ---------------------------------------------------------------- source

def test_json_bids_with_metadata_columns(kafka):
    topic = new_topic(kafka, 4)
    records = [(i % 4, f"k{i}".encode(), bid(i)) for i in range(400)]
    placed = produce(kafka, topic, records)
    code, rows, err = sluice(
        source_sql(kafka, "bids", topic, BID_COLUMNS + ", _key VARCHAR, _partition INTEGER, _offset BIGINT",
                   ", scan.bounded.mode = 'latest-offset'") +
        "SELECT auction, bidder, price, date_time, _key, _partition, _offset FROM bids;")
    assert code == 0, err
    assert rows[0] == ["auction", "bidder", "price", "date_time", "_key", "_partition", "_offset"]
    expected = sorted(
        (str(v["auction"]), str(v["bidder"]), str(v["price"]), v["date_time"], key.decode(), str(p), str(o))
        for (_, key, v), (p, o) in zip(records, placed))
    assert sorted(tuple(r) for r in rows[1:]) == expected
    # each partition's offsets 0..99, delivered in order within the partition
    by_partition = {}
    for r in rows[1:]:
        by_partition.setdefault(r[5], []).append(int(r[6]))
    assert {p: offsets for p, offsets in by_partition.items()} == {str(p): list(range(100)) for p in range(4)}


def test_headers_metadata_column(kafka):
    """_headers holds the message's headers as a JSON object text, NULL without headers."""
    topic = new_topic(kafka, 1)
    producer = Producer({"bootstrap.servers": kafka["bootstrap"]})
    producer.produce(topic, value=json.dumps(bid(1)), partition=0,
                     headers=[("trace", b"abc"), ("q\"uote", b"x\ny"), ("empty", None)])
    producer.produce(topic, value=json.dumps(bid(2)), partition=0)
    assert producer.flush(30) == 0
    code, rows, err = sluice(
        source_sql(kafka, "bids", topic, BID_COLUMNS + ", _headers VARCHAR", ", scan.bounded.mode = 'latest-offset'") +
        "SELECT bidder, _headers FROM bids ORDER BY bidder;")
    assert code == 0, err
    assert rows[1][0] == "2001"
    assert json.loads(rows[1][1]) == {"trace": "abc", "q\"uote": "x\ny", "empty": None}
    assert rows[2] == ["2002", ""]   # NULL prints as an empty CSV field


def test_startup_modes_and_errors(kafka):
    topic = new_topic(kafka, 2)
    produce(kafka, topic, [(i % 2, None, bid(i)) for i in range(10)])
    cols = BID_COLUMNS + ", _offset BIGINT"
    # latest: the topic's end at start, bounded there: nothing
    code, rows, err = sluice(source_sql(kafka, "b", topic, cols, ", scan.bounded.mode = 'latest-offset'")
                             .replace("'earliest'", "'latest'") + "SELECT count(*) FROM b;")
    assert code == 0, err
    assert rows == [["count_star()"], ["0"]]
    # timestamp: every record has a broker timestamp at or before now, none after
    future = int(time.time() * 1000) + 3600_000
    code, rows, err = sluice(source_sql(kafka, "b", topic, cols, ", scan.bounded.mode = 'latest-offset', "
                                        f"'scan.startup.timestamp-millis' = '{future}'")
                             .replace("'earliest'", "'timestamp'") + "SELECT count(*) FROM b;")
    assert code == 0, err
    assert rows == [["count_star()"], ["0"]]
    code, rows, err = sluice(source_sql(kafka, "b", topic, cols, ", scan.bounded.mode = 'latest-offset', "
                                        "'scan.startup.timestamp-millis' = '0'")
                             .replace("'earliest'", "'timestamp'") + "SELECT count(*) FROM b;")
    assert code == 0, err
    assert rows == [["count_star()"], ["10"]]
    # errors name the problem
    code, _, err = sluice(source_sql(kafka, "b", "no_such_topic_x", cols) + "SELECT count(*) FROM b;")
    assert code != 0 and "topic 'no_such_topic_x' does not exist" in err
    code, _, err = sluice(source_sql(kafka, "b", topic, cols, ", properties.fetch.wait.max.ms = 'soon'"))
    assert code != 0 and "fetch.wait.max.ms" in err
    code, _, err = sluice(source_sql(kafka, "b", topic, cols).replace("'earliest'", "'group-offsets'"))
    assert code != 0 and "needs group.id" in err


def test_per_partition_watermarks(kafka):
    """A window closes only when every partition's watermark passed its end."""
    topic = new_topic(kafka, 2)
    # partition 0: one bid a second for 0..25 s; partition 1: one bid at 1 s
    produce(kafka, topic, [(0, None, bid(i)) for i in range(26)] + [(1, None, bid(100, second=1))])
    query = (source_sql(kafka, "bids", topic, BID_COLUMNS + ", WATERMARK FOR date_time AS date_time") +
             "SELECT window_start, count(*) AS n FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(date_time), "
             "INTERVAL '10' SECOND)) GROUP BY window_start, window_end;")

    def run_for(seconds):
        proc = subprocess.Popen([str(SHELL), "-csv", "-c", query], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL)
        try:
            time.sleep(seconds)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
        finally:
            proc.kill()
        return [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "window_start"], err

    rows, err = run_for(3)
    assert rows == [], f"partition 1 (watermark 1 s) must hold every window back: {rows} {err}"
    # partition 1 moves to 30 s: the source watermark is min(25, 30) = 25 s
    produce(kafka, topic, [(1, None, bid(101, second=30))])
    rows, err = run_for(3)
    assert sorted(rows) == [["2024-01-01 00:00:00", "11"], ["2024-01-01 00:00:10", "10"]], err


def test_unbounded_source_follows_new_records(kafka):
    topic = new_topic(kafka, 3)
    proc = subprocess.Popen([str(SHELL), "-csv", "-c", source_sql(kafka, "bids", topic, BID_COLUMNS) +
                             "SELECT bidder FROM bids;"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    try:
        time.sleep(1)
        produce(kafka, topic, [(i % 3, None, bid(i)) for i in range(30)])
        lines = [proc.stdout.readline().strip() for _ in range(31)]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert lines[0] == "bidder"
    assert sorted(int(x) for x in lines[1:]) == [2000 + i for i in range(30)]


def test_consumer_group_three_processes(kafka):
    """Three processes with one group.id split a six-partition topic; the union of their
    outputs equals one process reading the whole topic."""
    topic = new_topic(kafka, 6)
    produce(kafka, topic, [(i % 6, None, bid(i)) for i in range(6000)])
    columns = BID_COLUMNS + ", _partition INTEGER, _offset BIGINT"
    select = "SELECT bidder, price, _partition, _offset FROM bids WHERE price > 300;"
    code, single, err = sluice(source_sql(kafka, "bids", topic, columns, ", scan.bounded.mode = 'latest-offset'") +
                               select)
    assert code == 0, err
    group = "g_" + uuid.uuid4().hex[:8]
    sql = source_sql(kafka, "bids", topic, columns,
                     f", scan.bounded.mode = 'latest-offset', group.id = '{group}'") + select
    procs = [subprocess.Popen([str(SHELL), "-csv", "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, stdin=subprocess.DEVNULL) for _ in range(3)]
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
            outputs.append([tuple(r) for r in csv.reader(io.StringIO(out))][1:])
    finally:
        for proc in procs:
            proc.kill()
    union = sorted(r for rows in outputs for r in rows)
    assert len(single) - 1 == sum(1 for i in range(6000) if bid(i)["price"] > 300)
    assert union == sorted(tuple(r) for r in single[1:])
    # the work was shared: every process read two partitions, no partition was read twice
    partitions = [sorted({r[2] for r in rows}) for rows in outputs]
    assert sorted(p for ps in partitions for p in ps) == [str(p) for p in range(6)], partitions
    assert all(len(ps) == 2 for ps in partitions), partitions


def test_one_percent_corrupt_records_dead_letter(kafka):
    """1% corrupt records: the good output equals the clean run, the rejects are exactly the
    corrupt ones, in the dead-letter table and topic."""
    clean_topic, dirty_topic, dead_topic = new_topic(kafka, 3), new_topic(kafka, 3), new_topic(kafka, 1)
    good = [(i % 3, None, bid(i)) for i in range(3000)]
    corrupt_values = [b'{"auction": 1, "bidder": ', b"\xff\xfe not json", b'{"auction": "x", "bidder": 1}',
                      b'{"auction": 99999999999999999999999, "bidder": 1}', b"[" * 10000,
                      b'{"auction": 1, "bidder": 2, "price": 3, "date_time": "not a time"}']
    dirty = []
    injected = []
    for i, record in enumerate(good):
        dirty.append(record)
        if i % 100 == 50:   # 30 of 3030 records: 1%
            value = corrupt_values[len(injected) % len(corrupt_values)]
            dirty.append((i % 3, None, value))
            injected.append(value)
    produce(kafka, clean_topic, good)
    placed = produce(kafka, dirty_topic, dirty)
    corrupt_at = sorted(placed[i] for i, r in enumerate(dirty) if not isinstance(r[2], dict))
    query = "SELECT auction, bidder, price, date_time FROM bids;"
    code, clean, err = sluice(source_sql(kafka, "bids", clean_topic, BID_COLUMNS,
                                         ", scan.bounded.mode = 'latest-offset'") + query)
    assert code == 0, err
    code, rows, err = sluice(
        source_sql(kafka, "bids", dirty_topic, BID_COLUMNS,
                   f", scan.bounded.mode = 'latest-offset', on_error = 'dead_letter', dead_letter_table = 'rejects', "
                   f"dead_letter_topic = '{dead_topic}'") +
        query + "SELECT partition, \"offset\" FROM rejects ORDER BY 1, 2;")
    assert code == 0, err
    header = rows.index(["partition", "offset"])
    assert sorted(rows[1:header]) == sorted(clean[1:])
    assert len(clean) - 1 == 3000
    assert [(int(p), int(o)) for p, o in rows[header + 1:]] == corrupt_at
    dead = consume_all(kafka, dead_topic, 1)
    assert len(dead) == len(injected) == 30
    assert sorted(m[3] for m in dead) == sorted(injected)
    assert sorted((int(dict(m[4])["sluice.partition"]), int(dict(m[4])["sluice.offset"])) for m in dead) == corrupt_at
    # on_error = 'fail' (the default) stops at the first corrupt record, naming it
    code, _, err = sluice(source_sql(kafka, "bids", dirty_topic, BID_COLUMNS, ", scan.bounded.mode = 'latest-offset'")
                          + query)
    assert code != 0 and "partition" in err and "offset" in err


# ---------------------------------------------------------------- sink

def test_sink_append_only_json(kafka):
    src_topic, out_topic = new_topic(kafka, 2), new_topic(kafka, 2)
    produce(kafka, src_topic, [(i % 2, None, bid(i)) for i in range(50)])
    code, rows, err = sluice(
        source_sql(kafka, "bids", src_topic, BID_COLUMNS, ", scan.bounded.mode = 'latest-offset'") +
        f"CREATE SINK expensive AS SELECT bidder, price FROM bids WHERE price > 500 WITH (connector = 'kafka', "
        f"topic = '{out_topic}', properties.bootstrap.server = '{kafka['bootstrap']}', key = 'bidder');\n"
        "SHOW SINKS;")
    assert code == 0, err
    expected = sorted((bid(i)["bidder"], bid(i)["price"]) for i in range(50) if bid(i)["price"] > 500)
    got = consume_all(kafka, out_topic, 2)
    values = [json.loads(m[3]) for m in got]
    assert sorted((v["bidder"], v["price"]) for v in values) == expected
    assert all(list(v) == ["bidder", "price"] for v in values)
    assert all(m[2] == str(json.loads(m[3])["bidder"]).encode() for m in got)


def test_sink_updating_upserts_and_debezium(kafka):
    """An aggregate's changelog: upserts keyed by the group (last value per key = the
    result) and Debezium change events (replayed = the result)."""
    src_topic, upsert_topic, dbz_topic = new_topic(kafka, 1), new_topic(kafka, 1), new_topic(kafka, 1)
    produce(kafka, src_topic, [(0, None, bid(i)) for i in range(70)])
    bootstrap = kafka["bootstrap"]
    # unbounded: the aggregate emits as the records come, so the topic receives updates
    sql = (source_sql(kafka, "bids", src_topic, BID_COLUMNS) +
           f"CREATE SINK counts AS SELECT auction, count(*) AS n, max(price) AS top FROM bids GROUP BY auction "
           f"WITH (connector = 'kafka', topic = '{upsert_topic}', properties.bootstrap.server = '{bootstrap}', "
           f"key = 'auction');\n"
           f"CREATE SINK changes AS SELECT auction, count(*) AS n FROM bids GROUP BY auction "
           f"WITH (connector = 'kafka', topic = '{dbz_topic}', properties.bootstrap.server = '{bootstrap}', "
           f"format = 'debezium-json');\n")
    # through the C API: the background jobs run while this process sleeps
    conn = sluice_api.Connection()
    try:
        for statement in sql.split(";\n")[:-1]:
            conn.execute(statement)
        time.sleep(2)
        produce(kafka, src_topic, [(0, None, bid(i)) for i in range(70, 140)])
        time.sleep(3)
        sinks = conn.rows("SHOW SINKS")
    finally:
        conn.close()
    assert [s[1] for s in sinks] == ["running", "running"], sinks
    expected = {}
    for i in range(140):
        b = bid(i)
        n, top = expected.get(b["auction"], (0, 0))
        expected[b["auction"]] = (n + 1, max(top, b["price"]))
    last = {}
    for _, _, key, value, _ in consume_all(kafka, upsert_topic, 1):
        if value is None:
            last.pop(key, None)
        else:
            v = json.loads(value)
            assert key == str(v["auction"]).encode()
            last[key] = (v["n"], v["top"])
    assert last == {str(a).encode(): nt for a, nt in expected.items()}
    table = {}
    events = [json.loads(m[3]) for m in consume_all(kafka, dbz_topic, 1)]
    assert len(events) > len(expected)   # updates went out, not only the final rows
    for e in events:
        assert e["op"] in ("c", "u", "d")
        if e["before"] is not None:
            assert table.pop(e["before"]["auction"]) == e["before"]["n"]
        if e["after"] is not None:
            table[e["after"]["auction"]] = e["after"]["n"]
    assert table == {a: nt[0] for a, nt in expected.items()}


def test_sink_errors(kafka):
    topic = new_topic(kafka, 1)
    bootstrap = kafka["bootstrap"]
    base = source_sql(kafka, "bids", topic, BID_COLUMNS)
    code, _, err = sluice(base + f"CREATE SINK s AS SELECT auction, count(*) FROM bids GROUP BY auction WITH "
                                 f"(connector = 'kafka', topic = '{topic}', properties.bootstrap.server = '{bootstrap}');")
    assert code != 0 and "needs key" in err
    code, _, err = sluice(base + f"CREATE SINK s AS SELECT auction FROM bids WITH (connector = 'kafka', "
                                 f"topic = 'no_such_topic_y', properties.bootstrap.server = '{bootstrap}', "
                                 f"properties.allow.auto.create.topics = 'false');")
    assert code != 0 and "no_such_topic_y" in err
    code, _, err = sluice(base + f"CREATE SINK s AS SELECT auction FROM bids WITH (connector = 'kafka', "
                                 f"topic = '{topic}');")
    assert code != 0 and "properties.bootstrap.server" in err
