#!/usr/bin/env bash
# A local NATS server with JetStream for the NATS connector's tests (tests/integration/test_nats.py)
# and for trying the connector by hand.
#
#   scripts/nats.sh start    installs nats-server (Debian package) when missing, starts it on
#                            127.0.0.1 on a free port with JetStream (store under the state
#                            directory), waits until it is ready and prints its URL
#                            (nats://127.0.0.1:PORT) on stdout
#   scripts/nats.sh status   prints the URL and exits 0 when the server runs; exits 1 otherwise
#   scripts/nats.sh stop     stops the server (TERM, then KILL after 5 s) and removes its state
#
# State directory: $NATS_DIR (default /tmp/sluice-nats-$UID): pid, url, log and the JetStream
# store. Several servers can run side by side with different NATS_DIR values. Every wait is
# bounded; a failure prints the reason (and the server's log) on stderr and exits non-zero.
set -euo pipefail

NATS_DIR="${NATS_DIR:-/tmp/sluice-nats-$(id -u)}"
START_TIMEOUT="${NATS_START_TIMEOUT:-20}"   # seconds

die() { echo "nats.sh: $*" >&2; exit 1; }

running_pid() {
  [ -f "$NATS_DIR/pid" ] || return 1
  local pid
  pid="$(cat "$NATS_DIR/pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

install_server() {
  command -v nats-server >/dev/null 2>&1 && return 0
  [ -x /usr/sbin/nats-server ] && return 0
  echo "nats.sh: installing the Debian package nats-server" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  timeout 300 $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -qq nats-server >&2 ||
    die "cannot install nats-server with apt-get"
}

server_binary() {
  command -v nats-server 2>/dev/null || echo /usr/sbin/nats-server
}

start() {
  if pid="$(running_pid)"; then
    cat "$NATS_DIR/url"
    return 0
  fi
  install_server
  mkdir -p "$NATS_DIR"
  rm -rf "$NATS_DIR/store" "$NATS_DIR/ports" "$NATS_DIR/url" "$NATS_DIR/log"
  mkdir -p "$NATS_DIR/store" "$NATS_DIR/ports"
  # -p -1: the server picks a free port and writes it into the ports file (no race with
  # another process between choosing a port and binding it).
  setsid "$(server_binary)" -a 127.0.0.1 -p -1 -js -sd "$NATS_DIR/store" \
    --ports_file_dir "$NATS_DIR/ports" -l "$NATS_DIR/log" </dev/null >/dev/null 2>&1 &
  local pid=$!
  echo "$pid" > "$NATS_DIR/pid"
  local deadline=$((SECONDS + START_TIMEOUT)) url=""
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "nats.sh: nats-server exited during start; its log:" >&2
      cat "$NATS_DIR/log" >&2 2>/dev/null || true
      rm -f "$NATS_DIR/pid"
      exit 1
    fi
    local ports
    ports="$(ls "$NATS_DIR/ports"/*.ports 2>/dev/null | head -1 || true)"
    if [ -n "$ports" ] && [ -z "$url" ]; then
      url="$(grep -o 'nats://[0-9.]*:[0-9]*' "$ports" | head -1 || true)"
    fi
    # "Server is ready" is logged after JetStream has started and the client port listens.
    if [ -n "$url" ] && grep -q "Server is ready" "$NATS_DIR/log" 2>/dev/null; then
      echo "$url" > "$NATS_DIR/url"
      echo "$url"
      return 0
    fi
    sleep 0.1
  done
  echo "nats.sh: nats-server did not become ready within ${START_TIMEOUT}s; its log:" >&2
  cat "$NATS_DIR/log" >&2 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$NATS_DIR/pid"
  exit 1
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 5))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$NATS_DIR/store" "$NATS_DIR/ports" "$NATS_DIR/pid" "$NATS_DIR/url"
}

status() {
  if running_pid >/dev/null; then
    cat "$NATS_DIR/url"
    return 0
  fi
  echo "nats.sh: no server running (state directory $NATS_DIR)" >&2
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/nats.sh start|stop|status (state directory: \$NATS_DIR, default /tmp/sluice-nats-\$UID)" ;;
esac
