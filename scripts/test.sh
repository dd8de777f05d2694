#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: GoogleTest unit tests (ctest), integration
# tests that drive the real binary against simulators over loopback, and the official OpenAI SDK
# as a client; then the same unit and integration tests on an ASan+UBSan build
# (skip it with SWITCHYARD_SANITIZE=0).
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
echo "== all tests passed"
