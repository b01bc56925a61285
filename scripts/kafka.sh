#!/usr/bin/env bash
# A local Apache Kafka broker (KRaft: broker and controller in one process, no ZooKeeper) for
# the Kafka connector's tests (tests/integration/test_kafka.py), its benchmarks (bench/kafka/)
# and for trying the connector by hand.
#
#   scripts/kafka.sh start                      installs what is missing (a Java runtime, Maven,
#                                               kcat, librdkafka-dev: Debian packages), resolves
#                                               Kafka's jars from Maven Central into the project's
#                                               cache (scripts/kafka/pom.xml), formats a fresh data
#                                               directory, starts the server on 127.0.0.1 on free
#                                               ports, waits until it serves and prints its
#                                               bootstrap address (127.0.0.1:PORT) on stdout
#   scripts/kafka.sh create-topic NAME PARTS    creates topic NAME with PARTS partitions
#                                               (replication 1); an existing topic is left alone
#   scripts/kafka.sh status                     prints the bootstrap address and exits 0 when the
#                                               server runs; exits 1 otherwise
#   scripts/kafka.sh stop                       stops the server (TERM: controlled shutdown; KILL
#                                               after 20 s) and removes its data
#
# State directory: $KAFKA_DIR (default /tmp/sluice-kafka-$UID): pid, bootstrap, server.properties,
# log and the data. Several servers can run side by side with different KAFKA_DIR values.
# $KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS (default 0): how long the broker waits for more members
# before a new consumer group's first assignment (tests of several consumers set a few seconds so
# that processes started together share the partitions from the start).
# Jar cache: $KAFKA_CACHE (default .cache/ in the project): maven/ (Maven's local repository)
# and kafka-<version>/ (the jars the server runs from). Every wait is bounded (nothing reads
# stdin); a failure prints the reason (and the server's log) on stderr and exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KAFKA_DIR="${KAFKA_DIR:-/tmp/sluice-kafka-$(id -u)}"
KAFKA_CACHE="${KAFKA_CACHE:-$ROOT/.cache}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"   # seconds, from launching java to serving
POM="$ROOT/scripts/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")"
LIBS="$KAFKA_CACHE/kafka-$KAFKA_VERSION"
JAVA_OPTS=(-Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
           "-Dlog4j.configuration=file:$ROOT/scripts/kafka/log4j.properties")

die() { echo "kafka.sh: $*" >&2; exit 1; }

running_pid() {
  [ -f "$KAFKA_DIR/pid" ] || return 1
  local pid
  pid="$(cat "$KAFKA_DIR/pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# Debian packages: java and mvn to run the server, kcat and librdkafka-dev for the connector
# and its tests (the same list scripts/install-deps.sh installs).
install_packages() {
  local need=()
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  command -v kcat >/dev/null 2>&1 || need+=(kcat)
  dpkg-query -W -f='${Status}' librdkafka-dev 2>/dev/null | grep -q "install ok installed" || need+=(librdkafka-dev)
  [ ${#need[@]} -eq 0 ] && return 0
  echo "kafka.sh: installing the Debian packages ${need[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  timeout 300 $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq "${need[@]}" >&2 </dev/null ||
    die "cannot install ${need[*]} with apt-get"
}

# Kafka's jars from Maven Central, once: into a temporary directory, renamed when complete so
# an interrupted download is never taken for a cache.
resolve_jars() {
  [ -f "$LIBS/.complete" ] && return 0
  echo "kafka.sh: resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS" >&2
  mkdir -p "$KAFKA_CACHE/maven"
  local tmp="$LIBS.partial.$$"
  rm -rf "$tmp"
  if ! timeout 900 mvn -B -q -f "$POM" -Dmaven.repo.local="$KAFKA_CACHE/maven" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime </dev/null >&2; then
    rm -rf "$tmp"
    die "mvn could not resolve Kafka's jars (scripts/kafka/pom.xml)"
  fi
  touch "$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if running_pid >/dev/null; then
    cat "$KAFKA_DIR/bootstrap"
    return 0
  fi
  install_packages
  resolve_jars
  rm -rf "$KAFKA_DIR"
  mkdir -p "$KAFKA_DIR/data"
  local port controller_port
  port="$(free_port)"
  controller_port="$(free_port)"
  while [ "$controller_port" = "$port" ]; do controller_port="$(free_port)"; done
  cat > "$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=${KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS:-0}
auto.create.topics.enable=true
log.retention.hours=24
EOF
  # Format the data directory with a fresh cluster id (22 characters of base64url).
  local cluster_id
  cluster_id="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))')"
  if ! timeout 120 java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" </dev/null > "$KAFKA_DIR/format.log" 2>&1; then
    cat "$KAFKA_DIR/format.log" >&2
    die "formatting the data directory $KAFKA_DIR/data failed"
  fi
  setsid java "${JAVA_OPTS[@]}" -Dkafka.logs.dir="$KAFKA_DIR" -cp "$LIBS/*" kafka.Kafka \
    "$KAFKA_DIR/server.properties" </dev/null > "$KAFKA_DIR/log" 2>&1 &
  local pid=$!
  echo "$pid" > "$KAFKA_DIR/pid"
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka.sh: the Kafka server exited during start; its log:" >&2
      tail -50 "$KAFKA_DIR/log" >&2 2>/dev/null || true
      rm -f "$KAFKA_DIR/pid"
      exit 1
    fi
    # Logged once the broker listens and has joined the (single-node) quorum; then the
    # metadata request proves a client is served.
    if grep -q "Kafka Server started" "$KAFKA_DIR/log" 2>/dev/null &&
       timeout 5 kcat -b "127.0.0.1:$port" -L -m 3 </dev/null >/dev/null 2>&1; then
      echo "127.0.0.1:$port" > "$KAFKA_DIR/bootstrap"
      echo "127.0.0.1:$port"
      return 0
    fi
    sleep 0.2
  done
  echo "kafka.sh: the Kafka server did not become ready within ${START_TIMEOUT}s; its log:" >&2
  tail -50 "$KAFKA_DIR/log" >&2 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$KAFKA_DIR/pid"
  exit 1
}

create_topic() {
  local name="${1:-}" partitions="${2:-}"
  [ -n "$name" ] && [[ "$partitions" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/kafka.sh create-topic NAME PARTITIONS"
  running_pid >/dev/null || die "no server running (state directory $KAFKA_DIR): scripts/kafka.sh start first"
  local bootstrap
  bootstrap="$(cat "$KAFKA_DIR/bootstrap")"
  timeout 120 java -Xmx256m -Djava.net.preferIPv4Stack=true \
    "-Dlog4j.configuration=file:$ROOT/scripts/kafka/log4j-tools.properties" -cp "$LIBS/*" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1 </dev/null >&2 ||
    die "creating topic '$name' with $partitions partitions on $bootstrap failed"
  # The topic exists once every partition has a leader in the broker's metadata.
  local deadline=$((SECONDS + 30))
  while [ $SECONDS -lt $deadline ]; do
    local n
    n="$(timeout 5 kcat -b "$bootstrap" -L -t "$name" -m 3 </dev/null 2>/dev/null | grep -c 'partition [0-9]*, leader 1' || true)"
    [ "$n" -ge "$partitions" ] && return 0
    sleep 0.2
  done
  die "topic '$name' has no leader for every partition after 30 s"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR/pid" "$KAFKA_DIR/bootstrap"
}

status() {
  if running_pid >/dev/null; then
    cat "$KAFKA_DIR/bootstrap"
    return 0
  fi
  echo "kafka.sh: no server running (state directory $KAFKA_DIR)" >&2
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  create-topic) shift; create_topic "$@" ;;
  *) die "usage: scripts/kafka.sh start|stop|status|create-topic NAME PARTITIONS (state directory: \$KAFKA_DIR, default /tmp/sluice-kafka-\$UID)" ;;
esac
