#!/usr/bin/env bash
# RSS of the gateway with N (default 10,000) concurrent slow streams: see bench/slow_streams.mjs.
# Each stream holds a client socket and an upstream socket, so the gateway needs about 2N file
# descriptors and so does the benchmark's own process (clients and upstream in one): the limits are
# raised with prlimit (as root; otherwise N must fit the current hard limit).
# Usage: bench/slow_streams.sh [BIN] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/src/app/switchyard}
N=${2:-10000}
want=$((2 * N + 1024))
if [ "$(ulimit -Hn)" -lt "$want" ] && [ "$(id -u)" -eq 0 ]; then
  exec prlimit --nofile="$want:$want" node bench/slow_streams.mjs "$BIN" "$N"
fi
ulimit -n "$(ulimit -Hn)"
exec node bench/slow_streams.mjs "$BIN" "$N"
