#!/usr/bin/env bash
# Builds and briefly runs every libFuzzer target in tests/fuzz/ (fuzz_*.c).
#
#   scripts/run-fuzz.sh                 each target for 60 s
#   FUZZ_TIME=600 scripts/run-fuzz.sh   longer
#   scripts/run-fuzz.sh fuzz_csv        only the named target(s)
#
# The library (every src/**/*.c except src/cli) is compiled once with clang and
# -fsanitize=fuzzer-no-link,address,undefined into build/fuzz/obj; each target links it with
# -fsanitize=fuzzer,address,undefined. A target runs on a scratch copy of its kept corpus
# (tests/fuzz/corpus/<name without fuzz_>/), so the repository corpus only changes when a
# person copies an interesting input back. A crash, leak, sanitizer report or timeout fails
# the target and its reproducer path is printed. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_TIME=${FUZZ_TIME:-60}
JOBS=${JOBS:-2}
OUT=build/fuzz

if ! command -v clang > /dev/null 2>&1; then
  echo "clang is missing: installing clang and libclang-rt-14-dev (the libFuzzer runtime)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang libclang-rt-14-dev > /dev/null
fi
if ! command -v clang > /dev/null 2>&1; then
  echo "cannot install clang"
  echo "0 passed, 1 failed"
  exit 1
fi

SAN="address,undefined"
CFLAGS=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
        -D_GNU_SOURCE -Wno-unused-command-line-argument -Iinclude -Isrc)
LIBS=(-lpcre2-8 -lxxhash -lsnappy -lzstd -llz4 -lz -lnats -lavro -lrdkafka -lm -lpthread)

mkdir -p "$OUT/obj" "$OUT/artifacts"
export OUT

# 1. the library, once, incrementally (an object is rebuilt when its source or any header is newer)
mapfile -t sources < <(find src -name '*.c' -not -path 'src/cli/*' | sort)
newest_header=$(find src include -name '*.h' -printf '%T@\n' | sort -n | tail -n 1)
to_build=()
for src in "${sources[@]}"; do
  obj="$OUT/obj/$(echo "${src%.c}" | tr '/' '_').o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || \
     awk -v h="$newest_header" -v o="$(stat -c %Y "$obj")" 'BEGIN { exit !(h > o) }'; then
    to_build+=("$src")
  fi
done
build_failed=0
if [ ${#to_build[@]} -gt 0 ]; then
  echo "compiling ${#to_build[@]} library sources with clang"
  printf '%s\n' "${to_build[@]}" | xargs -P "$JOBS" -I{} sh -c '
    src="$1"; shift; obj="$OUT/obj/$(echo "${src%.c}" | tr / _).o"
    clang "$@" -fsanitize=fuzzer-no-link,'"$SAN"' -c "$src" -o "$obj" || { rm -f "$obj"; exit 1; }
  ' _ {} "${CFLAGS[@]}" || build_failed=1
fi
objects=()
for src in "${sources[@]}"; do
  objects+=("$OUT/obj/$(echo "${src%.c}" | tr '/' '_').o")
done
# drop objects of sources that no longer exist
for obj in "$OUT"/obj/*.o; do
  [ -e "$obj" ] || continue
  keep=0
  for o in "${objects[@]}"; do [ "$o" = "$obj" ] && keep=1 && break; done
  [ $keep -eq 1 ] || rm -f "$obj"
done

# 2. the targets
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' -printf '%f\n' | sed 's/\.c$//' | sort)
fi

passed=0
failed=0
for target in "${targets[@]}"; do
  name=${target#fuzz_}
  echo "=== $target"
  if [ $build_failed -ne 0 ]; then
    echo "FAIL $target: the library did not compile with clang (see above)"
    failed=$((failed + 1))
    continue
  fi
  if ! clang "${CFLAGS[@]}" -fsanitize=fuzzer,$SAN "tests/fuzz/$target.c" "${objects[@]}" "${LIBS[@]}" \
       -o "$OUT/$target"; then
    echo "FAIL $target: does not build"
    failed=$((failed + 1))
    continue
  fi
  work="$OUT/corpus-$name"
  rm -rf "$work"
  mkdir -p "$work"
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  log="$OUT/$target.log"
  rm -f "$OUT/artifacts/$target-"*
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$OUT/$target" -max_total_time="$FUZZ_TIME" -timeout=20 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$target-" "$work" > "$log" 2>&1
  status=$?
  grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)' "$log" | head -n 3
  reproducers=$(ls "$OUT/artifacts/$target-"* 2>/dev/null)
  if [ $status -eq 0 ] && [ -z "$reproducers" ]; then
    echo "ok   $target"
    passed=$((passed + 1))
  else
    echo "FAIL $target (exit $status); log: $log"
    grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -n 5
    for r in $reproducers; do
      echo "  reproducer: $r   (rerun: $OUT/$target $r)"
    done
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
