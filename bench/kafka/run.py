"""bench/kafka/run.py — Kafka ingest throughput and window latency of Sluice (not a test).

Starts a broker with scripts/kafka.sh (its own state directory), then:

1. Ingest. Produces N JSON Nexmark bids (about 100 bytes each) into a topic of P partitions,
   then reads the whole topic twice in the same run: with a plain librdkafka consumer
   (bench/kafka/plain_consumer.c: fetch and touch every byte, nothing else) and with a Sluice
   query over a `kafka` source bounded at the topic's end (`SELECT count(*), sum(price)`:
   fetch, decode JSON into columns, aggregate). Reports messages/s (wall clock) and
   messages/s/core (messages / CPU seconds of the process, user + system, librdkafka's
   threads included), and the JSON bytes/s/core.

2. Latency. A producer sends bids at a fixed rate with the wall clock as event time; Sluice
   (through the C API, sluice_api.py) runs a sink of a 100 ms TUMBLE count per window into an
   output topic; a consumer timestamps each window row as it arrives. The latency of a window
   is its row's arrival minus the moment the producer sent the first record whose event
   time is at or past the window's end — the record that moves the watermark past the end
   (WATERMARK FOR date_time AS date_time, one partition). That includes Kafka's transport in
   and out, so it bounds the engine's own part from above. Reports p50 / p99 / max.

    .venv/bin/python bench/kafka/run.py [--messages 2000000] [--partitions 1] [--rate 20000] [--seconds 20]

Needs build/release (make release) and the Python packages of scripts/install-deps.sh.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

import sluice_api  # noqa: E402

SCRIPT = ROOT / "scripts" / "kafka.sh"
SHELL = Path(os.environ.get("SLUICE_BIN", ROOT / "build" / "release" / "sluice"))


def bid_json(i, when):
    """About 100 bytes: the Nexmark bid's fields."""
    return ('{"auction":%d,"bidder":%d,"price":%d,"channel":"Google","url":"https://n.io/%05d","date_time":"%s"}'
            % (1000 + i % 1000, 2000 + i % 10007, 100 + (i * 37) % 100000, i % 99991, when))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_child(argv, timeout=900):
    cpu0, t0 = children_cpu(), time.time()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    wall, cpu = time.time() - t0, children_cpu() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {done.stderr}")
    return done.stdout, wall, cpu


def ingest(bootstrap, env, messages, partitions, workdir):
    topic = "ingest_" + uuid.uuid4().hex[:8]
    subprocess.run([str(SCRIPT), "create-topic", topic, str(partitions)], env=env, check=True, timeout=180)
    # produce with kcat from a file: fast and independent of Sluice
    data = Path(workdir) / "bids.json"
    with open(data, "w") as f:
        for i in range(messages):
            f.write(bid_json(i, "2024-01-01 00:%02d:%02d.%03d" % (i // 60000 % 60, i // 1000 % 60, i % 1000)) + "\n")
    size = data.stat().st_size
    t0 = time.time()
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-z", "lz4", "-X", "linger.ms=20",
                    "-X", "batch.num.messages=10000", "-l", str(data)], check=True, timeout=900)
    print(f"produced {messages} messages ({size / messages:.0f} bytes each) in {time.time() - t0:.1f} s")
    plain = Path(workdir) / "plain_consumer"
    subprocess.run(["cc", "-O2", "-o", str(plain), str(ROOT / "bench" / "kafka" / "plain_consumer.c"), "-lrdkafka"],
                   check=True)
    results = {}
    for attempt in range(2):   # the second run reads from the page cache like the first did
        out, wall, cpu = run_child([str(plain), bootstrap, topic])
        count = int(out.split()[0])
        assert count == messages, out
        results.setdefault("plain librdkafka consumer", []).append((wall, cpu))
        sql = (f"CREATE SOURCE bids (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, "
               f"date_time TIMESTAMP) WITH (connector = 'kafka', topic = '{topic}', properties.bootstrap.server = "
               f"'{bootstrap}', scan.bounded.mode = 'latest-offset');\n"
               f"SELECT count(*), sum(price) FROM bids;")
        out, wall, cpu = run_child([str(SHELL), "-csv", "-c", sql])
        assert out.splitlines()[1].split(",")[0] == str(messages), out
        results.setdefault("Sluice kafka source (JSON -> columns, count/sum)", []).append((wall, cpu))
    print(f"\ningest of {messages} messages, {partitions} partition(s), best of 2 runs:")
    print(f"{'reader':52s} {'wall s':>7s} {'cpu s':>7s} {'msg/s':>11s} {'msg/s/core':>11s} {'MB/s/core':>9s}")
    for name, runs in results.items():
        wall, cpu = min(runs)
        print(f"{name:52s} {wall:7.2f} {cpu:7.2f} {messages / wall:11,.0f} {messages / cpu:11,.0f} "
              f"{size / cpu / 1e6:9.1f}")


def latency(bootstrap, env, rate, seconds):
    src, out = "lat_in_" + uuid.uuid4().hex[:8], "lat_out_" + uuid.uuid4().hex[:8]
    for t in (src, out):
        subprocess.run([str(SCRIPT), "create-topic", t, "1"], env=env, check=True, timeout=180)
    conn = sluice_api.Connection()
    conn.execute(f"CREATE SOURCE bids (auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP, "
                 f"WATERMARK FOR date_time AS date_time) WITH (connector = 'kafka', topic = '{src}', "
                 f"properties.bootstrap.server = '{bootstrap}', scan.startup.mode = 'earliest')")
    conn.execute(f"CREATE SINK windows AS SELECT window_end, count(*) AS n FROM TABLE(TUMBLE(TABLE bids, "
                 f"DESCRIPTOR(date_time), INTERVAL '100' MILLISECOND)) GROUP BY window_start, window_end "
                 f"WITH (connector = 'kafka', topic = '{out}', properties.bootstrap.server = '{bootstrap}')")
    arrivals = {}
    stop = threading.Event()

    def consume():
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "lat-" + uuid.uuid4().hex,
                      "auto.offset.reset": "earliest", "fetch.wait.max.ms": 1, "enable.auto.commit": False})
        c.assign([TopicPartition(out, 0, 0)])
        while not stop.is_set():
            m = c.poll(0.05)
            if m is not None and not m.error():
                arrivals[json.loads(m.value())["window_end"]] = time.time()
        c.close()

    reader = threading.Thread(target=consume)
    reader.start()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "enable.idempotence": True})
    first_past = {}   # window end (text) -> send time of the first record at or past it
    period = 1.0 / rate
    start = time.time()
    i = 0
    last_end = None
    while time.time() - start < seconds:
        target = start + i * period
        now = time.time()
        if now < target:
            time.sleep(min(target - now, 0.001))
            continue
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + ".%06d" % int((now % 1) * 1e6)
        # the window this record's event time is in starts at floor(t / 100 ms): the end of the
        # previous window is then passed by this record
        ms = int(now * 1000)
        end_ms = ms - ms % 100
        if end_ms != last_end:
            end_text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(end_ms / 1000)) + ".%03d" % (end_ms % 1000)
            first_past[end_text] = now
            last_end = end_ms
        producer.produce(src, value=bid_json(i, when).encode())
        producer.poll(0)
        i += 1
    producer.flush(30)
    time.sleep(1.0)
    stop.set()
    reader.join()
    sinks = conn.rows("SHOW SINKS")
    conn.close()
    lat = []
    for end, sent in first_past.items():
        if sent - start < 2.0:
            continue   # warm-up: the sink's first produce connects, the source's first fetches

        for key in (end, end + "000", end.rstrip("0").rstrip(".")):
            if key in arrivals:
                lat.append((arrivals[key] - sent) * 1000)
                break
    lat.sort()
    print(f"\nlatency at {rate} messages/s for {seconds} s ({i} sent), 100 ms windows: "
          f"{len(lat)} of {len(first_past)} windows matched (after a 2 s warm-up); sink {sinks}")
    if lat:
        pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        print(f"watermark past window end -> row in the output topic: p50 {pick(0.5):.2f} ms, "
              f"p90 {pick(0.9):.2f} ms, p99 {pick(0.99):.2f} ms, max {lat[-1]:.2f} ms")
    else:
        print("no window matched; rows seen:", list(arrivals)[:5], "ends:", list(first_past)[:5])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=2_000_000)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="sluice-kafka-bench-")
    env = dict(os.environ, KAFKA_DIR=str(Path(workdir) / "broker"))
    started = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=900,
                             stdin=subprocess.DEVNULL)
    if started.returncode != 0:
        raise SystemExit(f"scripts/kafka.sh start failed: {started.stderr}")
    bootstrap = started.stdout.strip().splitlines()[-1]
    try:
        if not args.skip_ingest:
            ingest(bootstrap, env, args.messages, args.partitions, workdir)
        if not args.skip_latency:
            latency(bootstrap, env, args.rate, args.seconds)
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
