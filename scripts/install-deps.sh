#!/usr/bin/env bash
# Installs what building and testing Sluice needs, only when missing:
# Debian packages (apt-get) and Python packages in the project-local virtualenv .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in build-essential cmake libedit-dev libpcre2-dev libxxhash-dev libsnappy-dev libzstd-dev zlib1g-dev liblz4-dev libavro-dev nats-server libnats-dev librdkafka-dev kcat python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" > /dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import duckdb, pyarrow, pytest, nats, confluent_kafka, polars, datafusion, psutil" 2>/dev/null || [ ! -x .venv/bin/tpchgen-cli ]; then
  echo "installing Python packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check duckdb pyarrow tpchgen-cli pytest nats-py confluent-kafka polars datafusion psutil
fi
