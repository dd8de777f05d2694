#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: GoogleTest unit tests (ctest), integration
# tests that drive the real binary against simulators over loopback, and the official OpenAI SDK
# as a client; then the same unit and integration tests on an ASan+UBSan build
# (skip it with SWITCHYARD_SANITIZE=0); a clang Debug build and its unit tests (SWITCHYARD_CLANG=0
# skips it); and a ThreadSanitizer build running the multi-threaded unit tests and the integration
# suites where threads meet, chaos included, against 2-worker gateways (SWITCHYARD_TSAN=0 skips it). Every compiler and
# build type: scripts/build-matrix.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
echo "== module layering"
scripts/check-layering.sh
scripts/build.sh build -- -DSY_TESTS=ON -DSY_WERROR=ON
echo "== unit tests"
ctest --test-dir build --output-on-failure

echo "== fuzz smoke run: every fuzz target for a few seconds on its seed corpus (scripts/fuzz.sh)"
scripts/fuzz.sh smoke "${SWITCHYARD_FUZZ_SECONDS:-5}"

echo "== official SDK client (npm, pinned in tests/sdk/package-lock.json)"
(cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)

echo "== integration and SDK tests"
SWITCHYARD_BIN="$PWD/build/src/app/switchyard" node --test --test-concurrency=1 tests/integration/ tests/sdk/

if [ "${SWITCHYARD_SANITIZE:-1}" != "0" ]; then
  echo "== ASan+UBSan build: unit and integration tests"
  scripts/build.sh build-asan -- -DSY_TESTS=ON -DSY_WERROR=ON -DSY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure
  SWITCHYARD_BIN="$PWD/build-asan/src/app/switchyard" ASAN_OPTIONS=detect_leaks=1 \
    node --test --test-concurrency=1 tests/integration/
fi

if [ "${SWITCHYARD_CLANG:-1}" != "0" ]; then
  # Debian's clang (clang-14, libstdc++) must keep compiling the project warning-free; Debug is the
  # cheap configuration. Release on both compilers, and the integration tests on each, are in
  # scripts/build-matrix.sh. This build links tcmalloc (-DSY_TCMALLOC=ON, off by default) so that
  # the option keeps building.
  echo "== clang build (Debug, warnings as errors, tcmalloc): unit tests"
  CC=clang CXX=clang++ scripts/build.sh build-clang-debug -- -DSY_TESTS=ON -DSY_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
    -DSY_TCMALLOC=ON
  # grep reads all of ldd's output (no -q): under pipefail, an early exit would fail the pipeline
  # whenever ldd was still writing (SIGPIPE), and say tcmalloc is missing when it is not.
  ldd build-clang-debug/src/app/switchyard | grep libtcmalloc >/dev/null || { echo "the clang build did not link tcmalloc" >&2; exit 1; }
  ctest --test-dir build-clang-debug --output-on-failure
fi

if [ "${SWITCHYARD_TSAN:-1}" != "0" ]; then
  # Only what runs threads is built: the gateway (workers, control thread, log writer, store thread)
  # and the unit binaries with multi-threaded tests (target health, budgets, health checks, the
  # batched log writer, the store service). A report fails the run: the unit binaries exit non-zero (TSan's exitcode), and the
  # integration harness fails a suite whose child printed one. Suppressions (third-party code only):
  # tests/tsan.supp.
  echo "== ThreadSanitizer: multi-threaded unit tests, multi-threaded integration suites (chaos included) on 2 workers"
  scripts/build.sh build-tsan switchyard unit_tests unit_tests_health unit_tests_store -- -DSY_TESTS=ON -DSY_WERROR=ON -DSY_TSAN=ON
  export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
  build-tsan/tests/unit/unit_tests_health --gtest_brief=1
  build-tsan/tests/unit/unit_tests --gtest_brief=1
  build-tsan/tests/unit/unit_tests_store --gtest_brief=1
  # The suites where threads meet: chaos (2 workers sharing breakers, incidents and budgets under
  # load), reloads and drains run by the control thread, the log writer, health checks, hedging and
  # the resilience engine; governance (the store thread, key snapshots published to every worker).
  # Suites that time slow clients to the millisecond (bounds) stay out: TSan's
  # slowdown, not a race, fails them.
  SWITCHYARD_BIN="$PWD/build-tsan/src/app/switchyard" node --test --test-concurrency=1 \
    tests/integration/chaos.test.mjs tests/integration/lifecycle.test.mjs tests/integration/logs.test.mjs \
    tests/integration/health_check.test.mjs tests/integration/hedging.test.mjs tests/integration/resilience.test.mjs \
    tests/integration/governance.test.mjs
fi
echo "== all tests passed"
