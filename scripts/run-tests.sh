#!/usr/bin/env bash
# Runs every Sluice test suite and ends with one summary line "N passed, N failed".
#
#   1. C unit tests (ctest)                          release and ASan+UBSan builds
#   2. sqllogictest corpus tests/sql/**/*.test      release and ASan+UBSan builds, and the
#      release build again with --threads 4 (parallel pipelines give identical results) and
#      with --streaming (queries over sources run continuously and must give the batch results)
#      and with --memory-limit 2MB (sorts, aggregates and joins spill and must give the same)
#   3. TPC-H SF 0.1, 22 queries compared with DuckDB
#   4. Python integration tests (Arrow interop, shell) with pytest
#   5. libFuzzer targets, briefly, on the kept corpus (when clang is available)
#
# Each suite prints its own details; this script adds up the counts.
set -uo pipefail
cd "$(dirname "$0")/.."

total_passed=0
total_failed=0
failed_suites=()

# add_counts SUITE LOGFILE: parses "N passed, N failed" (last such line) from LOGFILE.
add_counts() {
  local suite=$1 log=$2
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "!! $suite produced no summary line (counted as 1 failure)"
    total_failed=$((total_failed + 1))
    failed_suites+=("$suite")
    return
  fi
  local p f
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  [ "$f" -gt 0 ] && failed_suites+=("$suite")
  echo "== $suite: $p passed, $f failed"
}

logdir=build/test-logs
mkdir -p "$logdir"

run_ctest() {
  local build=$1
  local log="$logdir/ctest-$build.log"
  (cd "build/$build" && ctest --timeout 600 --output-on-failure 2>&1) > "$log"
  cat "$log" | tail -n 30
  # ctest: "100% tests passed, 0 tests failed out of 12"
  local line p f total
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of.*/\1/')
    total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
    p=$((total - f))
    echo "$p passed, $f failed" >> "$log"
  fi
  add_counts "unit tests ($build)" "$log"
}

# run_sqllogic BUILD [RUNNER OPTIONS...]
run_sqllogic() {
  local build=$1
  shift
  local suffix=""
  [ $# -gt 0 ] && suffix="$(echo "$*" | tr -d ' -')"
  local log="$logdir/sqllogic-$build${suffix:+-$suffix}.log"
  mapfile -t files < <(find tests/sql -name '*.test' | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "0 passed, 0 failed" > "$log"
  else
    timeout 1200 "build/$build/sqllogictest" "$@" "${files[@]}" > "$log" 2>&1
  fi
  grep -E '^(FAIL|----|sqllogictest:)' "$log" | head -n 60
  add_counts "sqllogictest ($build${suffix:+ $*})" "$log"
}

echo "### unit tests"
run_ctest release
ASAN_OPTIONS=detect_leaks=1 run_ctest asan

echo "### sqllogictest"
run_sqllogic release
run_sqllogic release --threads 4
run_sqllogic release --streaming
run_sqllogic release --memory-limit 2MB
ASAN_OPTIONS=detect_leaks=1 run_sqllogic asan

echo "### TPC-H SF 0.1 against DuckDB"
log="$logdir/tpch.log"
timeout 1200 .venv/bin/python tests/tpch/run_tpch.py --sluice build/release/sluice --scale 0.1 > "$log" 2>&1
tail -n 30 "$log"
add_counts "tpch" "$log"

echo "### integration tests (pytest)"
log="$logdir/pytest.log"
if ls tests/integration/test_*.py > /dev/null 2>&1; then
  timeout 1200 .venv/bin/python -m pytest -q -p no:cacheprovider tests/integration > "$log" 2>&1
  tail -n 15 "$log"
  # pytest: "12 passed, 1 failed in 3.2s" or "12 passed in 3.2s"
  line=$(grep -E '[0-9]+ (passed|failed)' "$log" | tail -n 1)
  p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(echo "$line" | grep -oE '[0-9]+ (failed|error)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  [ -z "$line" ] && f=1
  echo "${p:-0} passed, ${f:-0} failed" >> "$log"
  add_counts "integration" "$log"
fi

if [ -x scripts/run-fuzz.sh ]; then
  echo "### fuzzing (brief)"
  log="$logdir/fuzz.log"
  scripts/run-fuzz.sh > "$log" 2>&1
  tail -n 10 "$log"
  add_counts "fuzz" "$log"
fi

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failing suites: ${failed_suites[*]}"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
