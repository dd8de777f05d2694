#!/usr/bin/env bash
# Switchyard benchmark: the cost of putting the gateway between a client and a (very fast) upstream.
#
# nginx plays the upstream (canned OpenAI chat completion and SSE stream). wrk measures, in one run:
#   direct       wrk -> upstream nginx
#   nginx-proxy  wrk -> nginx proxy_pass (upstream keepalive) -> upstream nginx   (the reference proxy)
#   switchyard   wrk -> switchyard serve (workers: 1)       -> upstream nginx
#   translated   wrk (OpenAI request) -> switchyard -> upstream nginx speaking Anthropic's Messages API
#                (the translated path: canonical parse, Anthropic encode, decode, OpenAI render)
#   primary-down wrk -> switchyard, route [dead (a closed loopback port), upstream nginx]: the primary is
#                down for the whole run, so its circuit breaker opens and requests skip it (failover cost)
# for non-streaming and streaming requests, closed-loop (max throughput) and at a fixed ~1,000 req/s.
# Results: a table on stdout, bench/results/latest.json and bench/results/latest.md. See bench/README.md.
#
# Only bash, awk, sed, curl, wrk, nginx and coreutils are used (no python, no jq): what a fresh Debian
# bookworm has after scripts/install-deps.sh --bench.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="${BENCH_RESULTS_DIR:-$ROOT/bench/results}"

DURATION="${BENCH_DURATION:-10}"            # seconds per measured wrk run
WARMUP="${BENCH_WARMUP:-2}"                 # seconds of unmeasured load before each closed-loop run
CONNECTIONS="${BENCH_CONNECTIONS:-50}"      # closed-loop connections (below nginx's upstream keepalive 64)
RATE_CONNECTIONS="${BENCH_RATE_CONNECTIONS:-50}"
RATE_DELAY_MS="${BENCH_RATE_DELAY_MS:-50}"  # per connection: 50 conns x (50 ms mean + latency) ~= 1,000 req/s
PORT_BASE="${BENCH_PORT_BASE:-18480}"       # first port tried; the next free ones are taken
SERVER_CPUS="${BENCH_SERVER_CPUS:-0}"       # upstream nginx + the proxy under test
CLIENT_CPUS="${BENCH_CLIENT_CPUS:-1}"       # wrk
SKIP_SWITCHYARD="${BENCH_SKIP_SWITCHYARD:-0}"
SWITCHYARD_BIN_SET="${SWITCHYARD_BIN:+1}"
SWITCHYARD_BIN="${SWITCHYARD_BIN:-$ROOT/build/src/app/switchyard}"
NGINX="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"

log() { printf 'bench: %s\n' "$*" >&2; }
# Progress on the long steps: "bench: [2/5] ..." (tools, build, servers, checks, measurements).
STEPS=5
step() { local n="$1"; shift; printf 'bench: [%s/%s] %s\n' "$n" "$STEPS" "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

for v in DURATION WARMUP CONNECTIONS RATE_CONNECTIONS RATE_DELAY_MS PORT_BASE; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer (got '${!v}')"
done
[ "$DURATION" -ge 1 ] || die "BENCH_DURATION must be >= 1"

# ---------------------------------------------------------------------------------------------------
# Tools, and the gateway binary (built only when missing).
# ---------------------------------------------------------------------------------------------------
step 1 "checking tools (wrk, nginx, curl)"
if ! command -v wrk >/dev/null || ! [ -x "$NGINX" ] || ! command -v curl >/dev/null; then
  log "wrk/nginx/curl missing: running scripts/install-deps.sh --bench (apt-get; this can take a few minutes)"
  "$ROOT/scripts/install-deps.sh" --bench
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
fi
command -v wrk >/dev/null || die "wrk not found"
[ -x "$NGINX" ] || die "nginx not found"

step 2 "gateway binary"
if [ "$SKIP_SWITCHYARD" != 1 ] && [ ! -x "$SWITCHYARD_BIN" ]; then
  if [ -n "$SWITCHYARD_BIN_SET" ]; then
    die "SWITCHYARD_BIN=$SWITCHYARD_BIN is not an executable"
  fi
  log "build/src/app/switchyard missing: building it (Release; this takes a few minutes on 2 cores)"
  "$ROOT/scripts/install-deps.sh" --bench
  (cd "$ROOT" && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build --target switchyard)
  [ -x "$SWITCHYARD_BIN" ] || die "build did not produce $SWITCHYARD_BIN"
fi

# CPU pinning: wrk on its own core so the client never competes with the servers; the upstream and the
# proxy under test share the other core(s), so nginx-proxy and switchyard get the same CPU budget.
NCPU="$(nproc 2>/dev/null || echo 1)"
PIN_SERVER=() PIN_CLIENT=()
if command -v taskset >/dev/null && [ "$NCPU" -ge 2 ] && [ "${BENCH_NO_PIN:-0}" != 1 ]; then
  PIN_SERVER=(taskset -c "$SERVER_CPUS")
  PIN_CLIENT=(taskset -c "$CLIENT_CPUS")
  PINNING="servers on CPU $SERVER_CPUS, wrk on CPU $CLIENT_CPUS"
else
  PINNING="none (fewer than 2 CPUs, no taskset, or BENCH_NO_PIN=1)"
  log "WARNING: no CPU pinning: $PINNING; client and servers compete for the same CPU"
fi

# Two benchmarks at once would share the CPUs and ruin each other's figures: take turns.
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/switchyard-bench.lock"
  if ! flock -n 9; then
    log "another bench/run.sh is running; waiting for it (up to ${BENCH_LOCK_WAIT:-600} s)"
    flock -w "${BENCH_LOCK_WAIT:-600}" 9 || die "another bench/run.sh is still running"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# Temp dir, process bookkeeping, cleanup.
# ---------------------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-bench.XXXXXX")"
chmod 755 "$WORK"  # nginx workers may run as 'nobody' when we are root; they must reach their temp dirs
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$WORK"/upstream/error.log "$WORK"/proxy/error.log "$WORK"/switchyard.log; do
      [ -s "$f" ] && { log "---- tail of $f"; tail -n 20 "$f" >&2; }
    done
  fi
  if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
NEXT_PORT="$PORT_BASE"
pick_port() {  # sets PICKED to the next free loopback port from NEXT_PORT on
  local p="$NEXT_PORT"
  while port_in_use "$p"; do p=$((p + 1)); [ "$p" -lt $((PORT_BASE + 200)) ] || die "no free port near $PORT_BASE"; done
  PICKED="$p"; NEXT_PORT=$((p + 1))
}
pick_port; UP_PORT="$PICKED"
pick_port; PROXY_PORT="$PICKED"
pick_port; SY_PORT="$PICKED"
pick_port; DEAD_PORT="$PICKED"  # nothing ever listens here: the primary-down route's first target

wait_http() {  # wait_http URL PID NAME: until URL answers at all (any status), or the process dies
  local url="$1" pid="$2" name="$3"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during startup"
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  die "$name did not answer on $url within 10 s"
}

# ---------------------------------------------------------------------------------------------------
# Canned upstream answers (no '$': nginx would expand it). Shaped like api.openai.com's.
# ---------------------------------------------------------------------------------------------------
CREATED=1735689600
COMPLETION_JSON='{"id":"chatcmpl-BenchAbCdEfGhIjKlMnOpQrStUvWx","object":"chat.completion","created":'$CREATED',"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a canned answer from the benchmark upstream. How can I help you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":19,"total_tokens":43,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench0001"}'
chunk() {  # chunk DELTA_JSON FINISH_REASON_JSON
  printf 'data: {"id":"chatcmpl-BenchAbCdEfGhIjKlMnOpQrStUvWx","object":"chat.completion.chunk","created":%s,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_bench0001","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}\n\n' "$CREATED" "$1" "$2"
}
STREAM_SSE="$(
  chunk '{"role":"assistant","content":"","refusal":null}' null
  for w in 'Hello' '!' ' How' ' can' ' I' ' help' ' you' ' today' '?'; do chunk '{"content":"'"$w"'"}' null; done
  chunk '{}' '"stop"'
  printf 'data: [DONE]\n\n'
)"
STREAM_SSE+=$'\n\n'  # $(...) strips the trailing blank line that ends the last event

# The same answer as Anthropic's Messages API gives it, for the translated path.
ANTHROPIC_JSON='{"id":"msg_01BenchAbCdEfGhIjKlMnOpQr","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Hello! This is a canned answer from the benchmark upstream. How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":24,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":19}}'
anthropic_event() {  # anthropic_event NAME DATA_JSON
  printf 'event: %s\ndata: %s\n\n' "$1" "$2"
}
ANTHROPIC_SSE="$(
  anthropic_event message_start '{"type":"message_start","message":{"id":"msg_01BenchAbCdEfGhIjKlMnOpQr","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":24,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}'
  anthropic_event content_block_start '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
  anthropic_event ping '{"type": "ping"}'
  for w in 'Hello' '!' ' How' ' can' ' I' ' help' ' you' ' today' '?'; do
    anthropic_event content_block_delta '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'"$w"'"}}'
  done
  anthropic_event content_block_stop '{"type":"content_block_stop","index":0}'
  anthropic_event message_delta '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}'
  anthropic_event message_stop '{"type":"message_stop"}'
)"
ANTHROPIC_SSE+=$'\n\n'

# shellcheck source=bench/nginx_common.sh
source "$ROOT/bench/nginx_common.sh"

mkdir -p "$WORK/upstream" "$WORK/proxy"
{
  nginx_common "$WORK/upstream"
  cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$(nginx_escape "$COMPLETION_JSON")';
    }
    location = /stream/v1/chat/completions {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      return 200 '$(nginx_escape "$STREAM_SSE")';
    }
    location = /anthropic/v1/messages {
      default_type application/json;
      return 200 '$(nginx_escape "$ANTHROPIC_JSON")';
    }
    location = /anthropic-stream/v1/messages {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      return 200 '$(nginx_escape "$ANTHROPIC_SSE")';
    }
    location / {
      default_type application/json;
      return 404 '{"error":{"message":"bench upstream: unknown path","type":"invalid_request_error","param":null,"code":null}}';
    }
  }
}
EOF
} >"$WORK/upstream/nginx.conf"

{
  nginx_common "$WORK/proxy"
  cat <<EOF
  upstream bench_upstream {
    server 127.0.0.1:$UP_PORT;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    # How SSE is usually proxied with nginx: relay as it arrives, like a gateway does.
    location /stream/ {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
} >"$WORK/proxy/nginx.conf"

start_nginx() {  # start_nginx NAME DIR PORT; sets STARTED_PID
  local name="$1" dir="$2" port="$3"
  "$NGINX" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' \
    || die "nginx $name config is invalid ($dir/nginx.conf)"
  "${PIN_SERVER[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' \
    >"$dir/stdout.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_http "http://127.0.0.1:$port/" "$STARTED_PID" "nginx $name"
}

step 3 "starting the upstream, nginx-proxy and switchyard"
log "work dir $WORK; ports: upstream $UP_PORT, nginx-proxy $PROXY_PORT, switchyard $SY_PORT"
start_nginx upstream "$WORK/upstream" "$UP_PORT"
start_nginx proxy "$WORK/proxy" "$PROXY_PORT"

SY_VERSION="skipped"
if [ "$SKIP_SWITCHYARD" != 1 ]; then
  cat >"$WORK/switchyard.yaml" <<EOF
# Generated by bench/run.sh. One worker: the same CPU budget as the nginx proxy's worker_processes 1.
listen: 127.0.0.1:$SY_PORT
workers: 1
providers:
  bench-upstream:
    kind: openai
    base_url: http://127.0.0.1:$UP_PORT/v1
  bench-upstream-stream:
    kind: openai
    base_url: http://127.0.0.1:$UP_PORT/stream/v1
  bench-anthropic:
    kind: anthropic
    base_url: http://127.0.0.1:$UP_PORT/anthropic
  bench-anthropic-stream:
    kind: anthropic
    base_url: http://127.0.0.1:$UP_PORT/anthropic-stream
  dead:                              # a closed loopback port: every connect is refused
    kind: openai
    base_url: http://127.0.0.1:$DEAD_PORT/v1
routes:
  bench:
    strategy: fallback
    targets: [bench-upstream/gpt-4o-mini]
  bench-stream:
    strategy: fallback
    targets: [bench-upstream-stream/gpt-4o-mini]
  bench-translated:
    targets: [bench-anthropic/claude-haiku-4-5]
  bench-translated-stream:
    targets: [bench-anthropic-stream/claude-haiku-4-5]
  # The primary is down for the whole run; the default resilience settings apply (the breaker opens
  # after 5 consecutive failures, then only half-open probes reach the dead target).
  bench-primary-down:
    targets: [dead/gpt-4o-mini, bench-upstream/gpt-4o-mini]
  bench-primary-down-stream:
    targets: [dead/gpt-4o-mini, bench-upstream-stream/gpt-4o-mini]
EOF
  SY_VERSION="$("$SWITCHYARD_BIN" --version 2>&1 | head -n 1 || true)"
  "$SWITCHYARD_BIN" check --config "$WORK/switchyard.yaml" >"$WORK/switchyard-check.log" 2>&1 \
    || { cat "$WORK/switchyard-check.log" >&2; die "switchyard check rejected the generated config"; }
  "${PIN_SERVER[@]}" "$SWITCHYARD_BIN" serve --config "$WORK/switchyard.yaml" --log-level warn \
    >"$WORK/switchyard.log" 2>&1 &
  SY_PID=$!
  PIDS+=("$SY_PID")
  wait_http "http://127.0.0.1:$SY_PORT/healthz" "$SY_PID" "switchyard"
fi

# ---------------------------------------------------------------------------------------------------
# Request bodies (the same bytes for every path; the gateway's route is the model name).
# ---------------------------------------------------------------------------------------------------
body_for() {  # body_for MODE [PATH]
  local model=bench stream=""
  [ "${2:-}" = translated ] && model=bench-translated
  [ "${2:-}" = primary-down ] && model=bench-primary-down
  if [ "$1" = stream ]; then model+=-stream; stream=',"stream":true'; fi
  printf '{"model":"%s","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64,"temperature":0.2%s}' "$model" "$stream"
}
url_for() {  # url_for PATH MODE
  local prefix=""
  case "$1" in
    direct) [ "$2" = stream ] && prefix=/stream; echo "http://127.0.0.1:$UP_PORT$prefix/v1/chat/completions" ;;
    nginx-proxy) [ "$2" = stream ] && prefix=/stream; echo "http://127.0.0.1:$PROXY_PORT$prefix/v1/chat/completions" ;;
    switchyard|translated|primary-down) echo "http://127.0.0.1:$SY_PORT/v1/chat/completions" ;;
  esac
}

PATHS=(direct nginx-proxy)
[ "$SKIP_SWITCHYARD" = 1 ] || PATHS+=(switchyard translated primary-down)
MODES=(non-stream stream)

# ---------------------------------------------------------------------------------------------------
# Correctness first: every path must answer like OpenAI before anything is measured.
# ---------------------------------------------------------------------------------------------------
verify() {  # verify PATH MODE
  local path="$1" mode="$2" url code out="$WORK/verify-$1-$2"
  url="$(url_for "$path" "$mode")"
  body_for "$mode" "$path" >"$out.req"
  code="$(curl -sS --max-time 5 -o "$out.body" -D "$out.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-bench' --data-binary @"$out.req" "$url")" \
    || die "$path $mode: curl failed ($url)"
  [ "$code" = 200 ] || { cat "$out.body" >&2; echo >&2; die "$path $mode: HTTP $code from $url"; }
  if [ "$mode" = stream ]; then
    grep -qi '^content-type: *text/event-stream' "$out.headers" || die "$path $mode: not text/event-stream"
    grep -q '"object":"chat.completion.chunk"' "$out.body" || die "$path $mode: no chat.completion.chunk event"
    [ "$(grep -c '^data: ' "$out.body")" -eq 12 ] || die "$path $mode: expected 12 SSE events"
    [ "$(grep -v '^[[:space:]]*$' "$out.body" | tail -n 1 | tr -d '\r')" = 'data: [DONE]' ] \
      || die "$path $mode: stream does not end with data: [DONE]"
    [ "$(tail -c 2 "$out.body" | od -An -c | tr -d ' ')" = '\n\n' ] \
      || die "$path $mode: the last SSE event is not terminated by a blank line"
  else
    grep -qi '^content-type: *application/json' "$out.headers" || die "$path $mode: not application/json"
    grep -q '"object":"chat.completion"' "$out.body" || die "$path $mode: not a chat.completion"
    grep -q '"finish_reason":"stop"' "$out.body" || die "$path $mode: no finish_reason"
  fi
  if [ "$path" = switchyard ] || [ "$path" = translated ] || [ "$path" = primary-down ]; then
    grep -qi '^x-switchyard-route:' "$out.headers" || die "$path $mode: no x-switchyard-route header"
  fi
  if [ "$path" = primary-down ]; then
    grep -qi '^x-switchyard-target: *bench-upstream' "$out.headers" \
      || die "$path $mode: not served by the live second target (x-switchyard-target)"
    # The route's first request: its breaker is still closed, so the dead primary was tried first.
    if [ "$mode" = non-stream ]; then
      grep -qi '^x-switchyard-attempts: *2' "$out.headers" || die "$path $mode: expected 2 attempts (dead, then live)"
    fi
  fi
  log "verified $path $mode ($url)"
}
step 4 "checking that every path answers correctly"
for path in "${PATHS[@]}"; do for mode in "${MODES[@]}"; do verify "$path" "$mode"; done; done
if [ "${BENCH_VERIFY_ONLY:-0}" = 1 ]; then log "all paths answer correctly (BENCH_VERIFY_ONLY=1: nothing measured)"; exit 0; fi

# ---------------------------------------------------------------------------------------------------
# wrk runs. The Lua done() hook prints exact figures (microseconds) so nothing depends on wrk's
# human-readable units.
# ---------------------------------------------------------------------------------------------------
write_lua() {  # write_lua MODE DELAY_MS(0 = closed loop) PATH > file
  cat <<EOF
wrk.method = "POST"
wrk.body = [==[$(body_for "$1" "$3")]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
EOF
  # wrk only paces requests when the script defines delay(); latency is timed from the actual send. The delay is
  # drawn uniformly from 0 to twice the mean: a fixed one keeps the connections in step, so requests would arrive
  # in bursts of about one per connection rather than one by one.
  [ "$2" -gt 0 ] && printf 'function delay() return math.random(0, %d) end\n' $((2 * $2))
  cat <<'EOF'
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHRESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

declare -A R  # R[path|kind|mode|field]
ANY_ERRORS=0
run_wrk() {  # run_wrk PATH MODE KIND(throughput|rate)
  local path="$1" mode="$2" kind="$3" url conns delay lua out line
  url="$(url_for "$path" "$mode")"
  if [ "$kind" = rate ]; then conns="$RATE_CONNECTIONS"; delay="$RATE_DELAY_MS"; else conns="$CONNECTIONS"; delay=0; fi
  lua="$WORK/$path-$mode-$delay.lua"
  [ -f "$lua" ] || write_lua "$mode" "$delay" "$path" >"$lua"
  out="$WORK/wrk-$path-$mode-$kind.txt"
  if [ "$kind" = throughput ] && [ "$WARMUP" -gt 0 ]; then
    "${PIN_CLIENT[@]}" wrk -t1 -c"$conns" -d"${WARMUP}s" -s "$lua" "$url" >/dev/null 2>&1 || true
  fi
  local what="$conns connections"
  [ "$delay" -gt 0 ] && what+=", ${delay} ms delay per request"
  RUN_NO=$((RUN_NO + 1))
  log "measuring [run $RUN_NO/$RUNS_TOTAL] $path $mode $kind (${DURATION}s, $what; about $(( (RUNS_TOTAL - RUN_NO + 1) * (DURATION + WARMUP) ))s left)"
  "${PIN_CLIENT[@]}" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 5s -s "$lua" "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed for $path $mode $kind"; }
  line="$(grep '^BENCHRESULT ' "$out" | tail -n 1)"
  [ -n "$line" ] || { cat "$out" >&2; die "no result line from wrk ($path $mode $kind)"; }
  local kv k v
  for kv in ${line#BENCHRESULT }; do k="${kv%%=*}"; v="${kv#*=}"; R["$path|$kind|$mode|$k"]="$v"; done
  local key="$path|$kind|$mode"
  R["$key|rps"]="$(awk -v n="${R[$key|requests]}" -v d="${R[$key|duration_us]}" 'BEGIN{printf "%.1f", n*1e6/d}')"
  R["$key|errors"]=$(( ${R[$key|connect]} + ${R[$key|read]} + ${R[$key|write]} + ${R[$key|status]} + ${R[$key|timeout]} ))
  if [ "${R[$key|errors]}" -ne 0 ]; then
    ANY_ERRORS=1
    log "WARNING: $path $mode $kind had ${R[$key|errors]} errors (connect ${R[$key|connect]}, read ${R[$key|read]}, write ${R[$key|write]}, status ${R[$key|status]}, timeout ${R[$key|timeout]})"
  fi
}

RUN_NO=0
RUNS_TOTAL=$(( ${#PATHS[@]} * ${#MODES[@]} * 2 ))
step 5 "measuring: $RUNS_TOTAL wrk runs of ${DURATION}s (+${WARMUP}s warm-up for closed-loop runs), about $(( RUNS_TOTAL * (DURATION + WARMUP) / 60 + 1 )) min"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
for path in "${PATHS[@]}"; do
  for mode in "${MODES[@]}"; do run_wrk "$path" "$mode" throughput; done
  for mode in "${MODES[@]}"; do run_wrk "$path" "$mode" rate; done
done

# ---------------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN{printf "%.3f", u/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a/b; else print "null" }'; }
added_ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%+.3f", (a-b)/1000}'; }
print_added() {  # print_added DIRECT_KEY NGINX_KEY SWITCHYARD_KEY: added p50/p99 of each proxy path
  local d="$1" n="$2" s="$3" p
  for p in p50 p99; do
    printf '  ADDED %s nginx-proxy vs direct         = %s ms\n' "$p" "$(added_ms "${R[$n|${p}_us]}" "${R[$d|${p}_us]}")"
    if [ "$SKIP_SWITCHYARD" != 1 ]; then
      printf '  ADDED %s switchyard vs direct          = %s ms\n' "$p" "$(added_ms "${R[$s|${p}_us]}" "${R[$d|${p}_us]}")"
      printf '  ADDED %s switchyard vs nginx-proxy     = %s ms\n' "$p" "$(added_ms "${R[$s|${p}_us]}" "${R[$n|${p}_us]}")"
    fi
  done
}

print_primary_down() {  # print_primary_down SWITCHYARD_KEY PRIMARY_DOWN_KEY: the failover path vs the healthy one
  local s="$1" f="$2"
  printf '  THROUGHPUT primary-down / switchyard     = %sx   (first target down, breaker open, vs healthy)\n' \
    "$(ratio "${R[$f|rps]}" "${R[$s|rps]}")"
  printf '  P99 primary-down / switchyard            = %sx   (%s vs %s ms; added %s ms)\n' \
    "$(ratio "${R[$f|p99_us]}" "${R[$s|p99_us]}")" "$(ms "${R[$f|p99_us]}")" "$(ms "${R[$s|p99_us]}")" \
    "$(added_ms "${R[$f|p99_us]}" "${R[$s|p99_us]}")"
}

CPU_MODEL="$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
NGINX_VERSION="$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
WRK_VERSION="$( (wrk -v 2>&1 || true) | awk 'NR==1{print $2}')"
GIT_REV="unknown"
if command -v git >/dev/null && git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
  GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD)"
  [ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] || GIT_REV+="-dirty"
fi

BUILD_TYPE="unknown"
if [ "$SKIP_SWITCHYARD" = 1 ]; then BUILD_TYPE="n/a"
elif [ -f "$(dirname "$SWITCHYARD_BIN")/../../CMakeCache.txt" ]; then
  BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$SWITCHYARD_BIN")/../../CMakeCache.txt")"
fi

mkdir -p "$RESULTS_DIR"
REPORT="$WORK/report.md"
{
  echo "# Switchyard benchmark ($STARTED_AT)"
  echo
  echo "switchyard: $SY_VERSION (build type: ${BUILD_TYPE:-project default, RelWithDebInfo}) | nginx $NGINX_VERSION | wrk $WRK_VERSION | git $GIT_REV"
  echo "host: $NCPU CPUs ($CPU_MODEL), load before run: $LOAD_BEFORE | pinning: $PINNING"
  echo "each run: ${DURATION}s, wrk -t1; closed loop: $CONNECTIONS connections (after ${WARMUP}s warm-up);"
  echo "fixed rate: $RATE_CONNECTIONS connections x ${RATE_DELAY_MS} ms delay per request (~$((RATE_CONNECTIONS * 1000 / (RATE_DELAY_MS > 0 ? RATE_DELAY_MS : 1))) req/s target; achieved rate in the req/s column)"
  echo "latency = request sent -> full response received (streams: through data: [DONE])"
  for kind in throughput rate; do
    echo
    if [ "$kind" = throughput ]; then echo "## Throughput (closed loop, $CONNECTIONS connections)";
    else echo "## Fixed rate (~$((RATE_CONNECTIONS * 1000 / (RATE_DELAY_MS > 0 ? RATE_DELAY_MS : 1))) req/s)"; fi
    echo
    echo '```'
    printf '%-12s %-11s %12s %10s %10s %10s %8s\n' path mode "req/s" "p50 ms" "p90 ms" "p99 ms" errors
    for mode in "${MODES[@]}"; do
      for path in "${PATHS[@]}"; do
        k="$path|$kind|$mode"
        printf '%-12s %-11s %12s %10s %10s %10s %8s\n' "$path" "$mode" "${R[$k|rps]}" \
          "$(ms "${R[$k|p50_us]}")" "$(ms "${R[$k|p90_us]}")" "$(ms "${R[$k|p99_us]}")" "${R[$k|errors]}"
      done
    done
    echo '```'
  done
  echo
  echo "## Ratios"
  echo
  echo '```'
  for mode in "${MODES[@]}"; do
    d="direct|throughput|$mode" n="nginx-proxy|throughput|$mode" s="switchyard|throughput|$mode"
    echo "[$mode, closed loop]"
    printf '  THROUGHPUT nginx-proxy / direct          = %sx\n' "$(ratio "${R[$n|rps]}" "${R[$d|rps]}")"
    if [ "$SKIP_SWITCHYARD" != 1 ]; then
      t="translated|throughput|$mode"
      printf '  THROUGHPUT switchyard / nginx-proxy      = %sx\n' "$(ratio "${R[$s|rps]}" "${R[$n|rps]}")"
      printf '  THROUGHPUT switchyard / direct           = %sx\n' "$(ratio "${R[$s|rps]}" "${R[$d|rps]}")"
      printf '  THROUGHPUT translated / switchyard       = %sx   (OpenAI client -> Anthropic target vs same API)\n' \
        "$(ratio "${R[$t|rps]}" "${R[$s|rps]}")"
      printf '  ADDED p50 translated vs switchyard       = %s ms\n' "$(added_ms "${R[$t|p50_us]}" "${R[$s|p50_us]}")"
      print_primary_down "$s" "primary-down|throughput|$mode"
    fi
    print_added "$d" "$n" "$s"
    d="direct|rate|$mode" n="nginx-proxy|rate|$mode" s="switchyard|rate|$mode"
    echo "[$mode, fixed rate: achieved direct ${R[$d|rps]}, nginx-proxy ${R[$n|rps]}$([ "$SKIP_SWITCHYARD" = 1 ] || echo ", switchyard ${R[$s|rps]}, primary-down ${R[primary-down|rate|$mode|rps]}") req/s]"
    [ "$SKIP_SWITCHYARD" = 1 ] || print_primary_down "$s" "primary-down|rate|$mode"
    print_added "$d" "$n" "$s"
  done
  echo '```'
  target_rps=$((RATE_CONNECTIONS * 1000 / (RATE_DELAY_MS > 0 ? RATE_DELAY_MS : 1)))
  for mode in "${MODES[@]}"; do for path in "${PATHS[@]}"; do
    if awk -v a="${R[$path|rate|$mode|rps]}" -v t="$target_rps" 'BEGIN{exit !(a < 0.8 * t)}'; then
      echo; echo "**WARNING: $path $mode reached only ${R[$path|rate|$mode|rps]} of ~$target_rps req/s in the fixed-rate run (the path or the machine could not keep up): compare its latency with care.**"
    fi
  done; done
  [ "$ANY_ERRORS" = 0 ] || { echo; echo "**WARNING: some runs had errors (see the errors column); their figures are suspect.**"; }
} >"$REPORT"

json_str() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
{
  echo "{"
  echo "  \"started_at\": $(json_str "$STARTED_AT"),"
  echo "  \"switchyard_version\": $(json_str "$SY_VERSION"),"
  echo "  \"switchyard_build_type\": $(json_str "${BUILD_TYPE:-RelWithDebInfo (project default)}"),"
  echo "  \"git\": $(json_str "$GIT_REV"),"
  echo "  \"nginx_version\": $(json_str "$NGINX_VERSION"),"
  echo "  \"wrk_version\": $(json_str "$WRK_VERSION"),"
  echo "  \"host\": {\"cpus\": $NCPU, \"cpu_model\": $(json_str "$CPU_MODEL"), \"load_before\": $(json_str "$LOAD_BEFORE"), \"pinning\": $(json_str "$PINNING")},"
  echo "  \"params\": {\"duration_s\": $DURATION, \"warmup_s\": $WARMUP, \"connections\": $CONNECTIONS, \"rate_connections\": $RATE_CONNECTIONS, \"rate_delay_ms\": $RATE_DELAY_MS, \"wrk_threads\": 1, \"switchyard_workers\": 1, \"nginx_worker_processes\": 1, \"switchyard_skipped\": $([ "$SKIP_SWITCHYARD" = 1 ] && echo true || echo false)},"
  echo "  \"results\": ["
  first=1
  for kind in throughput rate; do for mode in "${MODES[@]}"; do for path in "${PATHS[@]}"; do
    k="$path|$kind|$mode"
    [ "$first" = 1 ] || echo ","
    first=0
    printf '    {"path": "%s", "mode": "%s", "kind": "%s", "rps": %s, "requests": %s, "p50_ms": %s, "p90_ms": %s, "p99_ms": %s, "max_ms": %s, "errors": %s}' \
      "$path" "$mode" "$kind" "${R[$k|rps]}" "${R[$k|requests]}" "$(ms "${R[$k|p50_us]}")" "$(ms "${R[$k|p90_us]}")" \
      "$(ms "${R[$k|p99_us]}")" "$(ms "${R[$k|max_us]}")" "${R[$k|errors]}"
  done; done; done
  echo
  echo "  ],"
  echo "  \"ratios\": {"
  first=1
  for kind in throughput rate; do for mode in "${MODES[@]}"; do
    d="direct|$kind|$mode" n="nginx-proxy|$kind|$mode" s="switchyard|$kind|$mode"
    [ "$first" = 1 ] || echo ","
    first=0
    printf '    "%s_%s": {"nginx_proxy_over_direct_rps": %s, "nginx_proxy_added_p50_ms_vs_direct": %s, "nginx_proxy_added_p99_ms_vs_direct": %s' \
      "$kind" "${mode/-/_}" "$(ratio "${R[$n|rps]}" "${R[$d|rps]}")" \
      "$(added_ms "${R[$n|p50_us]}" "${R[$d|p50_us]}" | sed 's/^+//')" "$(added_ms "${R[$n|p99_us]}" "${R[$d|p99_us]}" | sed 's/^+//')"
    if [ "$SKIP_SWITCHYARD" != 1 ]; then
      t="translated|$kind|$mode"
      printf ', "switchyard_over_nginx_proxy_rps": %s, "switchyard_over_direct_rps": %s, "translated_over_switchyard_rps": %s, "translated_added_p50_ms_vs_switchyard": %s' \
        "$(ratio "${R[$s|rps]}" "${R[$n|rps]}")" "$(ratio "${R[$s|rps]}" "${R[$d|rps]}")" \
        "$(ratio "${R[$t|rps]}" "${R[$s|rps]}")" "$(added_ms "${R[$t|p50_us]}" "${R[$s|p50_us]}" | sed 's/^+//')"
      f="primary-down|$kind|$mode"
      printf ', "primary_down_over_switchyard_rps": %s, "primary_down_over_switchyard_p99": %s, "primary_down_added_p99_ms_vs_switchyard": %s' \
        "$(ratio "${R[$f|rps]}" "${R[$s|rps]}")" "$(ratio "${R[$f|p99_us]}" "${R[$s|p99_us]}")" \
        "$(added_ms "${R[$f|p99_us]}" "${R[$s|p99_us]}" | sed 's/^+//')"
      for p in p50 p99; do
        printf ', "switchyard_added_%s_ms_vs_direct": %s, "switchyard_added_%s_ms_vs_nginx_proxy": %s' \
          "$p" "$(added_ms "${R[$s|${p}_us]}" "${R[$d|${p}_us]}" | sed 's/^+//')" \
          "$p" "$(added_ms "${R[$s|${p}_us]}" "${R[$n|${p}_us]}" | sed 's/^+//')"
      done
    fi
    printf '}'
  done; done
  echo
  echo "  }"
  echo "}"
} >"$WORK/latest.json"

cp "$REPORT" "$RESULTS_DIR/latest.md"
cp "$WORK/latest.json" "$RESULTS_DIR/latest.json"
cat "$REPORT"
echo
echo "written: $RESULTS_DIR/latest.json, $RESULTS_DIR/latest.md"
[ "$ANY_ERRORS" = 0 ] || exit 1
