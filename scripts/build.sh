#!/usr/bin/env bash
# Configures and builds. Usage: scripts/build.sh BUILD_DIR [TARGET...] [-- CMAKE_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/build.sh BUILD_DIR [TARGET...] [-- CMAKE_ARGS...]}
shift
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=(--target "$1"); shift; done
[ "${1:-}" = "--" ] && shift
# Re-configuring is cheap and keeps options (tests on/off) as this caller wants them.
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
# Two cores and Boost-heavy translation units: two jobs keep the machine responsive.
cmake --build "$dir" "${targets[@]}" -- -j"${SWITCHYARD_BUILD_JOBS:-2}"
