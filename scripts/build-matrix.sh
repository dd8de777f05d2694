#!/usr/bin/env bash
# Builds and tests every supported compiler and build type: GCC 12 and Debian's clang (clang-14,
# with libstdc++), Debug and Release, each with warnings as errors (SY_WERROR=ON). For each
# combination: a build in build-<compiler>-<type>, the unit tests (ctest) and the integration tests
# against that build's binary. Every combination runs even when one fails; a summary with the time
# of each ends the run, and the exit status is non-zero if any failed.
#
# Usage: scripts/build-matrix.sh [COMBINATION...]   (default: gcc-debug gcc-release clang-debug clang-release)
#   SWITCHYARD_MATRIX_INTEGRATION=0  skips the integration tests (builds and unit tests only)
#   SWITCHYARD_BUILD_JOBS=N          parallel compile jobs (default 2, see scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
combos=("$@")
[ ${#combos[@]} -gt 0 ] || combos=(gcc-debug gcc-release clang-debug clang-release)

run_combo() {
  local combo=$1 cc cxx type
  case "${combo%-*}" in
    gcc) cc=gcc cxx=g++ ;;
    clang) cc=clang cxx=clang++ ;;
    *) echo "build-matrix: unknown compiler in $combo (gcc or clang)" >&2; return 2 ;;
  esac
  case "${combo#*-}" in
    debug) type=Debug ;;
    release) type=Release ;;
    *) echo "build-matrix: unknown build type in $combo (debug or release)" >&2; return 2 ;;
  esac
  local dir=build-$combo
  echo "== $combo: build ($cxx, $type, warnings as errors) in $dir"
  # The compiler is fixed when a build directory is first configured: CC/CXX matter only then.
  CC=$cc CXX=$cxx scripts/build.sh "$dir" -- -DSY_TESTS=ON -DSY_WERROR=ON -DCMAKE_BUILD_TYPE="$type"
  local configured
  configured=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt")
  case "$(basename "$configured")" in
    "$cxx"*) ;;
    *) echo "build-matrix: $dir was configured with $configured, not $cxx: remove $dir" >&2; return 2 ;;
  esac
  echo "== $combo: unit tests"
  ctest --test-dir "$dir" --output-on-failure
  if [ "${SWITCHYARD_MATRIX_INTEGRATION:-1}" != "0" ]; then
    echo "== $combo: integration tests"
    SWITCHYARD_BIN="$PWD/$dir/src/app/switchyard" node --test --test-concurrency=1 tests/integration/
  fi
}

summary=()
failed=0
for combo in "${combos[@]}"; do
  started=$SECONDS
  set +e
  (set -e; run_combo "$combo")
  rc=$?
  set -e
  took=$((SECONDS - started))
  if [ $rc -eq 0 ]; then
    summary+=("$(printf '%-14s passed  %4d s' "$combo" "$took")")
  else
    summary+=("$(printf '%-14s FAILED  %4d s' "$combo" "$took")")
    failed=1
  fi
done

echo "== build matrix"
printf '%s\n' "${summary[@]}"
exit $failed
