#!/usr/bin/env bash
# Installs what Switchyard needs to build, run, test and benchmark, from Debian bookworm packages.
# Idempotent and quiet when nothing is missing. Usage: scripts/install-deps.sh [--test] [--bench]
set -euo pipefail

want=(build-essential g++ cmake ninja-build pkg-config ca-certificates curl
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
      libssl-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
      libsqlite3-dev libre2-dev libzstd-dev)
for arg in "$@"; do
  case "$arg" in
    # clang: scripts/test.sh builds and unit-tests with Debian's clang too (libstdc++, as GCC's).
    # libclang-rt-14-dev: libFuzzer and the sanitizer runtimes for clang-14 (scripts/fuzz.sh), only
    # a recommendation of clang's, which --no-install-recommends skips.
    # chromium: the dashboard test (tests/integration/dashboard.test.mjs) drives it headless through
    # npm's playwright-core (pinned in tests/sdk), which downloads no browser of its own.
    # libgoogle-perftools-dev: tcmalloc, which the clang build links (-DSY_TCMALLOC=ON) so that the
    # option keeps building.
    --test) want+=(libgtest-dev libgmock-dev googletest openssl clang libclang-rt-14-dev chromium
                   libgoogle-perftools-dev) ;;
    # bench/isolated.sh also needs taskset and flock (util-linux) and gcc (build-essential, above);
    # libbenchmark-dev: the micro-benchmarks in bench/micro (Google Benchmark).
    # libgoogle-perftools-dev: to build and measure the gateway on tcmalloc (-DSY_TCMALLOC=ON).
    --bench) want+=(nginx-light wrk util-linux libbenchmark-dev libgoogle-perftools-dev) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done
# Node.js + npm run the official SDK tests; keep a Node that is already there (e.g. a newer one).
if [[ " $* " == *" --test "* ]]; then
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
fi
command -v ccache >/dev/null || want+=(ccache)

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
