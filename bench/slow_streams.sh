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
want=$((2 * N + 100))
if [ "$(ulimit -Hn)" -lt "$want" ] && prlimit --nofile="$want:$want" true 2>/dev/null; then
  exec prlimit --nofile="$want:$want" node bench/slow_streams.mjs "$BIN" "$N"
fi
hard=$(ulimit -Hn)
if [ "$hard" -lt "$want" ]; then
  # A container without CAP_SYS_RESOURCE cannot raise the hard limit: measure what fits.
  N=$(((hard - 100) / 2))
  echo "slow_streams: the file limit ($hard) allows $N streams, not ${2:-10000}" >&2
fi
ulimit -n "$hard"
exec node bench/slow_streams.mjs "$BIN" "$N"
