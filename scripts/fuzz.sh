#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan+UBSan, in build-fuzz) and runs them.
#   scripts/fuzz.sh smoke [SECONDS]   every target for a few seconds (default 5) on its seed corpus
#   scripts/fuzz.sh long SECONDS      every target for SECONDS, one after the other; keeps its
#                                     working corpus in $SWITCHYARD_FUZZ_DIR (default /tmp/switchyard-fuzz)
#   scripts/fuzz.sh ... -- TARGET...  only these targets (names without the fuzz_ prefix)
# Nothing is written into the repository: new inputs go to a working corpus outside it, seeds
# (fuzz/corpus/<target>/) are only read. One process at a time (no -jobs/-workers). Prints one line
# per target: seconds, executions (libFuzzer's stat::number_of_executed_units), exec/s, crashes;
# a crash's input is kept under the working directory and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  smoke) seconds=${2:-5}; [ "$seconds" = "--" ] && seconds=5 ;;
  long) seconds=${2:?usage: scripts/fuzz.sh long SECONDS} ;;
  *) echo "usage: scripts/fuzz.sh smoke [SECONDS] | long SECONDS [-- TARGET...]" >&2; exit 2 ;;
esac
shift
if [ $# -gt 0 ] && [ "$1" != "--" ]; then shift; fi
targets=()
if [ "${1:-}" = "--" ]; then shift; targets=("$@"); fi
if [ ${#targets[@]} -eq 0 ]; then
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

CC=clang CXX=clang++ scripts/build.sh build-fuzz fuzz -- -DSY_FUZZ=ON -DSY_TESTS=OFF

if [ "$mode" = smoke ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-fuzz-smoke.XXXXXX")
  trap 'rm -rf "$work"' EXIT
else
  work=${SWITCHYARD_FUZZ_DIR:-/tmp/switchyard-fuzz}
fi
mkdir -p "$work"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-20s %8s %12s %10s %8s\n' target seconds executions exec/s crashes
for target in "${targets[@]}"; do
  binary=build-fuzz/fuzz/fuzz_$target
  [ -x "$binary" ] || { echo "fuzz: no target $binary" >&2; exit 2; }
  corpus=$work/corpus/$target
  artifacts=$work/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  log=$work/$target.log
  marker=$work/.start-$target  # crashes of earlier runs in a kept working directory do not count
  touch "$marker"
  start=$(date +%s%N)
  status=0
  # The working corpus first (new inputs are written there), the seeds second (read only).
  "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  elapsed=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$artifacts" -type f -newer "$marker" | wc -l)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  printf '%-20s %8.0f %12s %10.0f %8s\n' "$target" "$elapsed" "${execs:-?}" \
    "$(awk -v n="${execs:-0}" -v t="$elapsed" 'BEGIN { print (t > 0 ? n / t : 0) }')" "$crashes"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    echo "---- $target: last lines of $log" >&2
    grep -a -E 'ERROR|SUMMARY|oracle|runtime error|Test unit written|#[0-9]+ 0x' "$log" | head -30 >&2 || true
    if [ "$mode" = smoke ]; then
      kept=${TMPDIR:-/tmp}/switchyard-fuzz-crashes
      mkdir -p "$kept" && cp "$artifacts"/* "$log" "$kept"/ 2>/dev/null || true
      echo "---- inputs and log kept in $kept (replay: $binary FILE)" >&2
    fi
  fi
done
exit "$failed"
