#!/usr/bin/env bash
# The proxy's own cost, isolated: the proxy under test alone on CPU 0; wrk (-t1) and the upstream nginx on CPU 1.
# Switchyard (workers: 1) against nginx proxy_pass (worker_processes 1, keepalive upstream pool), same upstream.
#
# Usage: bench/isolated.sh [BIN]        (BIN defaults to build/src/app/switchyard; see bench/README.md)
#   DUR=10   seconds per measured closed-loop and fixed-rate run (each closed-loop run after a 2 s warm-up)
#   RUNS=3   how many times the whole measurement is repeated (every run is printed)
#
# Reported, per proxy and mode (non-stream, stream, long stream, translated, translated stream):
#   req/s, CPU microseconds per request and its user-space part (the process's own user + system time over the measured run, from
#   /proc/PID/task/*/stat, all threads; nginx: master + worker, divided by the requests wrk completed),
#   p50/p99 latency and non-2xx answers, at 64 connections; Switchyard with the request log on (the default
#   config) and off (--log-level warn). Then the added p50 at ~1,000 req/s (direct, nginx, Switchyard; arrivals spread, and in step), and
#   Switchyard's allocations and bytes per request (bench/alloc_count.c, an LD_PRELOAD counter).
# Output: every run on stdout, then Markdown tables, also written to bench/results/isolated-latest.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build/src/app/switchyard}"
DUR="${DUR:-10}"
RUNS="${RUNS:-3}"
WARMUP=2                 # seconds of unmeasured load before each closed-loop run
CONN=64                  # closed-loop connections (= the nginx proxy's upstream keepalive pool)
RATE_CONN=50             # fixed rate: 50 connections x (50 ms mean delay + latency) ~= 1,000 req/s, as bench/run.sh
RATE_DELAY_MS=50
ALLOC_WARMUP=1           # allocation count: 1 s warm-up, then a fixed 3 s run per mode
ALLOC_DUR=3
PROXY_CPU=0
LOADGEN_CPU=1
PORT_FIRST=18700 PORT_LAST=18720
RESULTS_DIR="$ROOT/bench/results"

log() { printf 'isolated: %s\n' "$*" >&2; }
die() { printf 'isolated: ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$DUR" =~ ^[0-9]+$ ]] && [ "$DUR" -ge 1 ] || die "DUR must be a whole number of seconds >= 1 (got '$DUR')"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || die "RUNS must be 1..20 (got '$RUNS')"
[ $# -le 1 ] || die "usage: bench/isolated.sh [BIN]"
[ -x "$BIN" ] || die "$BIN is not an executable (build it: cmake --build build --target switchyard)"
missing=()
for tool in nginx wrk taskset flock curl gcc; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (scripts/install-deps.sh --bench installs them)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (the proxy on CPU $PROXY_CPU, wrk and the upstream on CPU $LOADGEN_CPU)"
HZ="$(getconf CLK_TCK)"

# One benchmark at a time (shared with bench/run.sh): two at once would share the CPUs.
exec 9>"${TMPDIR:-/tmp}/switchyard-bench.lock"
if ! flock -n 9; then
  log "another benchmark is running; waiting for it (up to 600 s)"
  flock -w 600 9 || die "another benchmark is still running"
fi

# ---------------------------------------------------------------------------------------------------
# Temp dir and processes: only what this script started is stopped, by PID.
# ---------------------------------------------------------------------------------------------------
W="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-isolated.XXXXXX")"
chmod 755 "$W"  # nginx workers may run as 'nobody' when we are root: they must read the canned files
PIDS=()
stop_pid() {  # stop_pid PID: TERM, up to 5 s, then KILL
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
forget_pid() { local keep=() p; for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  if [ "$rc" -ne 0 ]; then
    for f in "$W"/up/error.log "$W"/px/error.log "$W"/sy-*.log; do
      [ -s "$f" ] && { log "---- tail of $f"; tail -n 10 "$f" >&2; }
    done
  fi
  rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NEXT_PORT=$PORT_FIRST
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }  # something accepts connections there
pick_port() {  # sets PORT to the next free loopback port in 18700-18720
  while port_in_use "$NEXT_PORT"; do
    NEXT_PORT=$((NEXT_PORT + 1))
    [ "$NEXT_PORT" -le "$PORT_LAST" ] || die "no free port in $PORT_FIRST-$PORT_LAST"
  done
  [ "$NEXT_PORT" -le "$PORT_LAST" ] || die "no free port in $PORT_FIRST-$PORT_LAST"
  PORT=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1))
}
pick_port; UP=$PORT     # upstream nginx (CPU 1)
pick_port; NP=$PORT     # nginx proxy_pass (CPU 0)
pick_port; SP=$PORT     # switchyard (CPU 0), one instance at a time: log on, log off, allocation count

# ---------------------------------------------------------------------------------------------------
# Canned upstream answers, the same bytes as bench/run.sh (no '$': nginx would expand it).
# ---------------------------------------------------------------------------------------------------
CREATED=1735689600
COMPLETION_JSON='{"id":"chatcmpl-BenchAbCdEfGhIjKlMnOpQrStUvWx","object":"chat.completion","created":'$CREATED',"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a canned answer from the benchmark upstream. How can I help you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":19,"total_tokens":43,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench0001"}'
chunk() {  # chunk DELTA_JSON FINISH_REASON_JSON
  printf 'data: {"id":"chatcmpl-BenchAbCdEfGhIjKlMnOpQrStUvWx","object":"chat.completion.chunk","created":%s,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_bench0001","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}\n\n' "$CREATED" "$1" "$2"
}
WORDS=('Hello' '!' ' How' ' can' ' I' ' help' ' you' ' today' '?')
STREAM_SSE="$(
  chunk '{"role":"assistant","content":"","refusal":null}' null
  for w in "${WORDS[@]}"; do chunk '{"content":"'"$w"'"}' null; done
  chunk '{}' '"stop"'
  printf 'data: [DONE]\n\n'
)"$'\n\n'  # $(...) strips the blank line that ends the last event
LONG_CHUNKS=200  # the long stream: role, 200 content chunks, stop, [DONE]: 203 events, about 59 KB
mkdir -p "$W/up" "$W/px"
{
  chunk '{"role":"assistant","content":"","refusal":null}' null
  for ((i = 0; i < LONG_CHUNKS; i++)); do chunk '{"content":"'"${WORDS[i % 9]}"'"}' null; done
  chunk '{}' '"stop"'
  printf 'data: [DONE]\n\n'
} >"$W/up/long.sse"
chmod 644 "$W/up/long.sse"
LONG_EVENTS=$((LONG_CHUNKS + 3))

ANTHROPIC_JSON='{"id":"msg_01BenchAbCdEfGhIjKlMnOpQr","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Hello! This is a canned answer from the benchmark upstream. How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":24,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":19}}'
anthropic_event() { printf 'event: %s\ndata: %s\n\n' "$1" "$2"; }
ANTHROPIC_SSE="$(
  anthropic_event message_start '{"type":"message_start","message":{"id":"msg_01BenchAbCdEfGhIjKlMnOpQr","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":24,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}'
  anthropic_event content_block_start '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
  anthropic_event ping '{"type": "ping"}'
  for w in "${WORDS[@]}"; do
    anthropic_event content_block_delta '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'"$w"'"}}'
  done
  anthropic_event content_block_stop '{"type":"content_block_stop","index":0}'
  anthropic_event message_delta '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}'
  anthropic_event message_stop '{"type":"message_stop"}'
)"$'\n\n'

# shellcheck source=bench/nginx_common.sh
source "$ROOT/bench/nginx_common.sh"
{
  nginx_common "$W/up"
  cat <<EOF
  server {
    listen 127.0.0.1:$UP;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$(nginx_escape "$COMPLETION_JSON")';
    }
    location = /stream/v1/chat/completions {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      return 200 '$(nginx_escape "$STREAM_SSE")';
    }
    # Too long for a config string: served from a file. A POST to a file is a 405, which error_page turns
    # into an internal GET of the file with status 200.
    location = /long/v1/chat/completions {
      error_page 405 =200 /long.sse;
      return 405;
    }
    location = /long.sse {
      internal;
      root $W/up;
      types {}
      default_type text/event-stream;
      add_header Cache-Control no-cache;
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
    location / { return 404; }
  }
}
EOF
} >"$W/up/nginx.conf"
{
  nginx_common "$W/px"
  cat <<EOF
  upstream u {
    server 127.0.0.1:$UP;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$NP;
    location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /stream/ { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
    location /long/ { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
EOF
} >"$W/px/nginx.conf"
cat >"$W/sy.yaml" <<EOF
# Generated by bench/isolated.sh. The default config otherwise (request log on unless --log-level warn).
listen: 127.0.0.1:$SP
workers: 1
providers:
  up: {kind: openai, base_url: "http://127.0.0.1:$UP/v1"}
  up-stream: {kind: openai, base_url: "http://127.0.0.1:$UP/stream/v1"}
  up-long: {kind: openai, base_url: "http://127.0.0.1:$UP/long/v1"}
  up-anthropic: {kind: anthropic, base_url: "http://127.0.0.1:$UP/anthropic"}
  up-anthropic-stream: {kind: anthropic, base_url: "http://127.0.0.1:$UP/anthropic-stream"}
routes:
  bench: {targets: [up/gpt-4o-mini]}
  bench-stream: {targets: [up-stream/gpt-4o-mini]}
  bench-long: {targets: [up-long/gpt-4o-mini]}
  bench-translated: {targets: [up-anthropic/claude-haiku-4-5]}
  bench-translated-stream: {targets: [up-anthropic-stream/claude-haiku-4-5]}
EOF
# The same with budgets on (a gateway and a route budget far from their limits, the targets priced): every
# request reserves before its attempt and settles after it, and journals what it cost.
{
  cat "$W/sy.yaml"
  cat <<EOF
budgets:
  gateway: {usd_per_day: 1000000}
  routes: {bench: {usd_per_day: 1000000}, bench-stream: {usd_per_day: 1000000}}
EOF
} | sed -e 's|bench: {targets: \[up/gpt-4o-mini\]}|bench: {targets: [{target: up/gpt-4o-mini, price: {input: 0.15, output: 0.6}}]}|' \
        -e 's|bench-stream: {targets: \[up-stream/gpt-4o-mini\]}|bench-stream: {targets: [{target: up-stream/gpt-4o-mini, price: {input: 0.15, output: 0.6}}]}|' \
        >"$W/sy-budget.yaml"
grep -q 'price: {input: 0.15' "$W/sy-budget.yaml" || die "could not price the budget config's targets"
"$BIN" check --config "$W/sy-budget.yaml" >"$W/sy-check.log" 2>&1 \
  || { cat "$W/sy-check.log" >&2; die "switchyard check rejected the generated budget config"; }
"$BIN" check --config "$W/sy.yaml" >"$W/sy-check.log" 2>&1 \
  || { cat "$W/sy-check.log" >&2; die "switchyard check rejected the generated config"; }

# Modes: id -> label, route (model), stream flag, upstream path prefix for direct/nginx ("-": no nginx equivalent).
MODES=(ns st long tr-ns tr-st)
declare -A LABEL=([ns]=non-stream [st]=stream [long]=long-stream [tr-ns]=translated [tr-st]=translated-stream)
declare -A MODEL=([ns]=bench [st]=bench-stream [long]=bench-long [tr-ns]=bench-translated [tr-st]=bench-translated-stream)
declare -A STREAM=([ns]=false [st]=true [long]=true [tr-ns]=false [tr-st]=true)
declare -A PREFIX=([ns]="" [st]=/stream [long]=/long [tr-ns]=- [tr-st]=-)
declare -A EVENTS=([st]=12 [long]=$LONG_EVENTS [tr-st]=12)  # data: lines in the client's stream, [DONE] included
url_for() {  # url_for TARGET(direct|nginx|switchyard) MODE
  case "$1" in
    direct) echo "http://127.0.0.1:$UP${PREFIX[$2]}/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$NP${PREFIX[$2]}/v1/chat/completions" ;;
    switchyard) echo "http://127.0.0.1:$SP/v1/chat/completions" ;;
  esac
}
body_for() {
  printf '{"model":"%s","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64,"temperature":0.2,"stream":%s}' \
    "${MODEL[$1]}" "${STREAM[$1]}"
}
for m in "${MODES[@]}"; do
  body_for "$m" >"$W/$m.body"
  # Pacing: none (closed loop); "spread", a delay drawn uniformly from 0 to twice the mean, so that the connections
  # fall out of step and requests arrive one by one as from independent clients; "phase" (suffix p), the same delay
  # after every answer, which keeps the connections in step: about RATE_CONN requests at once every RATE_DELAY_MS.
  for delay in 0 "$RATE_DELAY_MS" "${RATE_DELAY_MS}p"; do
    {
      printf 'wrk.method = "POST"\nwrk.body = [==[%s]==]\n' "$(body_for "$m")"
      printf 'wrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer sk-bench"\n'
      case "$delay" in
        0) ;;
        *p) printf 'function delay() return %d end\n' "${delay%p}" ;;
        *) printf 'function delay() return math.random(0, %d) end\n' $((2 * delay)) ;;
      esac
      cat <<'EOF'
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHRESULT %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
EOF
    } >"$W/$m-$delay.lua"
  done
done

# ---------------------------------------------------------------------------------------------------
# Starting, verifying, measuring.
# ---------------------------------------------------------------------------------------------------
wait_http() {  # wait_http URL PID NAME
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || die "$3 exited during startup"
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "$3 did not answer on $1 within 10 s"
}
start_nginx() {  # start_nginx DIR PORT CPU NAME; sets STARTED (master PID) and WORKER
  "$NGINX" -t -q -p "$1" -c "$1/nginx.conf" -e "$1/error.log" -g 'daemon off;' >"$1/check.log" 2>&1 \
    || { cat "$1/check.log" >&2; die "nginx $4: invalid config"; }
  taskset -c "$3" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" -g 'daemon off;' >"$1/stdout.log" 2>&1 9>&- &
  STARTED=$!; PIDS+=("$STARTED")
  wait_http "http://127.0.0.1:$2/" "$STARTED" "nginx $4"
  WORKER="$(pgrep -P "$STARTED" | head -n 1 || true)"
  [ -n "$WORKER" ] || die "nginx $4: no worker process"
  PIDS+=("$WORKER")
}
SY_PID=""
start_switchyard() {  # start_switchyard NAME [serve options...]; env SY_PRELOAD=1 for the allocation counter, SY_CONFIG=FILE
  local name="$1"; shift
  local pre=()
  [ "${SY_PRELOAD:-0}" = 1 ] && pre=(env "ALLOC_COUNT_FILE=$W/alloc.counts" "LD_PRELOAD=$W/alloc_count.so")
  # >> (O_APPEND): the request log is truncated after every measured run without leaving a sparse file.
  taskset -c "$PROXY_CPU" "${pre[@]}" "$BIN" serve --config "${SY_CONFIG:-$W/sy.yaml}" "$@" >>"$W/sy-$name.log" 2>&1 9>&- &
  SY_PID=$!; PIDS+=("$SY_PID")
  wait_http "http://127.0.0.1:$SP/healthz" "$SY_PID" "switchyard ($name)"
}
stop_switchyard() { stop_pid "$SY_PID"; forget_pid "$SY_PID"; SY_PID=""; }

verify() {  # verify TARGET MODE: HTTP 200; a chat.completion, or a stream of the right length ending in [DONE]
  local target="$1" m="$2" url out="$W/verify" code
  url="$(url_for "$target" "$m")"
  code="$(curl -sS --max-time 5 -o "$out.body" -D "$out.headers" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer sk-bench' --data-binary @"$W/$m.body" "$url")" || die "verify $target ${LABEL[$m]}: curl failed ($url)"
  [ "$code" = 200 ] || { head -c 500 "$out.body" >&2; echo >&2; die "verify $target ${LABEL[$m]}: HTTP $code from $url"; }
  if [ "${STREAM[$m]}" = true ]; then
    [ "$(grep -v '^[[:space:]]*$' "$out.body" | tail -n 1 | tr -d '\r')" = 'data: [DONE]' ] \
      || die "verify $target ${LABEL[$m]}: the stream does not end with data: [DONE]"
    [ "$(grep -c '^data: ' "$out.body")" -eq "${EVENTS[$m]}" ] \
      || die "verify $target ${LABEL[$m]}: expected ${EVENTS[$m]} SSE events, got $(grep -c '^data: ' "$out.body")"
  else
    grep -q '"object":"chat.completion"' "$out.body" && grep -q '"finish_reason":"stop"' "$out.body" \
      || { head -c 500 "$out.body" >&2; echo >&2; die "verify $target ${LABEL[$m]}: not a finished chat.completion"; }
  fi
}
verify_switchyard() { local m; for m in "${MODES[@]}"; do verify switchyard "$m"; done; }

ticks() {  # ticks PID...: "USER SYSTEM" clock ticks of every thread of the processes
  local files=() p
  for p in "$@"; do kill -0 "$p" 2>/dev/null || die "process $p exited during the benchmark"; files+=(/proc/"$p"/task/*/stat); done
  { cat "${files[@]}" 2>/dev/null || true; } | awk '{ sub(/^.*\) /, ""); u += $12; s += $13 } END { print u + 0, s + 0 }'
}
run_wrk() {  # run_wrk URL LUA CONNS SECONDS OUT: bounded wrk on the load generator's CPU; returns the BENCHRESULT line
  timeout $(($4 + 30)) taskset -c "$LOADGEN_CPU" wrk -t1 -c"$3" -d"${4}s" --timeout 5s -s "$2" "$1" >"$5" 2>&1 \
    || { cat "$5" >&2; die "wrk failed or hung ($1)"; }
  grep '^BENCHRESULT ' "$5" | tail -n 1 | grep . || { cat "$5" >&2; die "no result line from wrk ($1)"; }
}
declare -A R  # R[run|who|mode|field]; who: nginx, sy, sy-quiet (closed loop); rate-direct, rate-nginx, rate-sy; alloc
measure() {  # measure RUN WHO MODE URL PID...: closed loop, CPU per request from the PIDs' own CPU time
  local run="$1" who="$2" m="$3" url="$4"; shift 4
  local lua="$W/$m-0.lua" t0 t1 line
  timeout $((WARMUP + 30)) taskset -c "$LOADGEN_CPU" wrk -t1 -c"$CONN" -d"${WARMUP}s" -s "$lua" "$url" >/dev/null 2>&1 || true
  local u0 s0 u1 s1
  read -r u0 s0 <<<"$(ticks "$@")"
  line="$(run_wrk "$url" "$lua" "$CONN" "$DUR" "$W/wrk.out")"
  read -r u1 s1 <<<"$(ticks "$@")"
  t0=$((u0 + s0)) t1=$((u1 + s1))
  store "$run" "$who" "$m" "$line"
  R[$run|$who|$m|cpu_us]="$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${R[$run|$who|$m|requests]}" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
  # The user-space part (the rest is the kernel's: sockets, and for Switchyard the store's file writes).
  R[$run|$who|$m|user_us]="$(awk -v t=$((u1 - u0)) -v hz="$HZ" -v n="${R[$run|$who|$m|requests]}" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
  R[$run|$who|$m|core]="$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v d="${R[$run|$who|$m|duration]}" 'BEGIN { printf "%.0f", t / hz / (d / 1e6) * 100 }')"
  [ -z "$SY_PID" ] || : >"$W/sy-log.log"  # drop the request log written so far (disk)
}
store() {  # store RUN WHO MODE "BENCHRESULT requests duration_us p50 p99 status connect read write timeout"
  local k="$1|$2|$3" f
  read -r -a f <<<"$4"
  R[$k|requests]=${f[1]} R[$k|duration]=${f[2]} R[$k|p50]=${f[3]} R[$k|p99]=${f[4]} R[$k|non2xx]=${f[5]}
  R[$k|sockerr]=$((f[6] + f[7] + f[8] + f[9]))
  R[$k|rps]="$(awk -v n="${f[1]}" -v d="${f[2]}" 'BEGIN { printf "%.0f", n * 1e6 / d }')"
  [ "${f[5]}" -eq 0 ] && [ "${R[$k|sockerr]}" -eq 0 ] || ANY_ERRORS=1
}
rate() {  # rate RUN WHO MODE URL: ~1,000 req/s, twice: spread arrivals (WHO), in step (WHO-phase)
  local line
  line="$(run_wrk "$4" "$W/$3-$RATE_DELAY_MS.lua" "$RATE_CONN" "$DUR" "$W/wrk.out")"
  store "$1" "$2" "$3" "$line"
  line="$(run_wrk "$4" "$W/$3-${RATE_DELAY_MS}p.lua" "$RATE_CONN" "$DUR" "$W/wrk.out")"
  store "$1" "$2-phase" "$3" "$line"
}
alloc_counts() {  # the shim's last dump, once it has settled after the load stopped
  sleep 0.2
  cat "$W/alloc.counts" 2>/dev/null || die "no allocation counts from the shim ($W/alloc.counts)"
}
alloc() {  # alloc RUN MODE: allocations and bytes per request over a fixed run
  local run="$1" m="$2" url a0 b0 a1 b1 line n counts
  url="$(url_for switchyard "$m")"
  timeout $((ALLOC_WARMUP + 30)) taskset -c "$LOADGEN_CPU" wrk -t1 -c"$CONN" -d"${ALLOC_WARMUP}s" -s "$W/$m-0.lua" "$url" >/dev/null 2>&1 || true
  counts="$(alloc_counts)"; read -r a0 b0 <<<"$counts"
  line="$(run_wrk "$url" "$W/$m-0.lua" "$CONN" "$ALLOC_DUR" "$W/wrk.out")"
  counts="$(alloc_counts)"; read -r a1 b1 <<<"$counts"
  store "$run" alloc "$m" "$line"
  n="${R[$run|alloc|$m|requests]}"
  R[$run|alloc|$m|allocs]="$(awk -v d=$((a1 - a0)) -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? d / n : 0) }')"
  R[$run|alloc|$m|bytes]="$(awk -v d=$((b1 - b0)) -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? d / n : 0) }')"
  : >"$W/sy-alloc.log"
}
ms() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000 }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", (a - b) / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

# ---------------------------------------------------------------------------------------------------
# Setup and verification.
# ---------------------------------------------------------------------------------------------------
gcc -O2 -shared -fPIC -o "$W/alloc_count.so" "$ROOT/bench/alloc_count.c" -pthread || die "cannot compile bench/alloc_count.c"
log "temp dir $W; ports: upstream $UP, nginx proxy $NP, switchyard $SP"
start_nginx "$W/up" "$UP" "$LOADGEN_CPU" upstream
start_nginx "$W/px" "$NP" "$PROXY_CPU" proxy
NGINX_PIDS=("${PIDS[-2]}" "${PIDS[-1]}")  # the proxy's master and worker
for m in "${MODES[@]}"; do
  [ "${PREFIX[$m]}" = - ] && continue
  verify direct "$m"; verify nginx "$m"
done
start_switchyard log; verify_switchyard; stop_switchyard
log "every path answers 200 (streams end with data: [DONE])"

STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ "$GIT_REV" = unknown ] || [ -z "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ] || GIT_REV+=" (src/ modified)"
HEADER="$(
  echo "switchyard: $BIN ($("$BIN" --version 2>&1 | head -n 1)), git $GIT_REV | $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') | started $STARTED_AT"
  echo "host: $(nproc) CPUs ($(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load before: $LOAD_BEFORE"
  echo "proxy alone on CPU $PROXY_CPU; wrk -t1 and the upstream nginx on CPU $LOADGEN_CPU; switchyard workers: 1, nginx worker_processes 1"
  echo "closed loop: $CONN connections, ${DUR} s after a ${WARMUP} s warm-up; fixed rate: $RATE_CONN connections x ${RATE_DELAY_MS} ms mean delay (~1,000 req/s), spread and in step, ${DUR} s each"
  echo "long stream: $LONG_EVENTS events, $(wc -c <"$W/up/long.sse") bytes; allocations: ${ALLOC_DUR} s after a ${ALLOC_WARMUP} s warm-up, default config"
)"
echo "$HEADER"
ANY_ERRORS=0

# ---------------------------------------------------------------------------------------------------
# The runs.
# ---------------------------------------------------------------------------------------------------
declare -A WHO_NAME=([nginx]="nginx proxy_pass" [sy]="switchyard" [sy-quiet]="switchyard, log off" [sy-budget]="switchyard, budgets on"
  [rate-direct]=direct [rate-nginx]="nginx proxy_pass" [rate-sy]=switchyard)
declare -A PACING=([spread]="spread arrivals" [phase]="in step, ~$RATE_CONN at once")
suffix_for() { [ "$1" = phase ] && echo -phase || true; }  # the rate keys' suffix: rate-sy (spread), rate-sy-phase
RUN_OUT="$W/runs.txt"; : >"$RUN_OUT"
for ((run = 1; run <= RUNS; run++)); do
  log "run $run/$RUNS: closed loop, nginx proxy_pass"
  for m in ns st long; do measure "$run" nginx "$m" "$(url_for nginx "$m")" "${NGINX_PIDS[@]}"; done
  log "run $run/$RUNS: closed loop and fixed rate, switchyard (request log on)"
  start_switchyard log; verify_switchyard
  for m in "${MODES[@]}"; do measure "$run" sy "$m" "$(url_for switchyard "$m")" "$SY_PID"; done
  for m in ns st; do rate "$run" rate-sy "$m" "$(url_for switchyard "$m")"; done
  stop_switchyard
  log "run $run/$RUNS: closed loop, switchyard with budgets on (request log on)"
  SY_CONFIG="$W/sy-budget.yaml" start_switchyard budget; verify_switchyard
  for m in ns st; do measure "$run" sy-budget "$m" "$(url_for switchyard "$m")" "$SY_PID"; done
  stop_switchyard
  log "run $run/$RUNS: closed loop, switchyard --log-level warn"
  start_switchyard quiet --log-level warn; verify_switchyard
  for m in "${MODES[@]}"; do measure "$run" sy-quiet "$m" "$(url_for switchyard "$m")" "$SY_PID"; done
  stop_switchyard
  log "run $run/$RUNS: fixed rate, direct and nginx"
  for m in ns st; do
    rate "$run" rate-direct "$m" "$(url_for direct "$m")"
    rate "$run" rate-nginx "$m" "$(url_for nginx "$m")"
  done
  log "run $run/$RUNS: allocations per request"
  SY_PRELOAD=1 start_switchyard alloc; verify_switchyard
  for m in "${MODES[@]}"; do alloc "$run" "$m"; done
  stop_switchyard

  {
    echo
    echo "== run $run/$RUNS"
    printf '%-22s %-18s %9s %11s %8s %6s %8s %8s %7s %8s\n' proxy mode req/s "cpu us/req" "user us" "core%" "p50 ms" "p99 ms" non-2xx sock-err
    for who in nginx sy sy-quiet sy-budget; do for m in "${MODES[@]}"; do
      k="$run|$who|$m"; [ -n "${R[$k|rps]:-}" ] || continue
      printf '%-22s %-18s %9s %11s %8s %6s %8s %8s %7s %8s\n' "${WHO_NAME[$who]}" "${LABEL[$m]}" "${R[$k|rps]}" "${R[$k|cpu_us]}" \
        "${R[$k|user_us]}" "${R[$k|core]}" "$(ms "${R[$k|p50]}")" "$(ms "${R[$k|p99]}")" "${R[$k|non2xx]}" "${R[$k|sockerr]}"
    done; done
    for m in ns st long; do
      printf '  switchyard / nginx, %-12s req/s %sx, cpu/req %sx (log on); req/s %sx, cpu/req %sx (log off)\n' "${LABEL[$m]}:" \
        "$(ratio "${R[$run|sy|$m|rps]}" "${R[$run|nginx|$m|rps]}")" "$(ratio "${R[$run|sy|$m|cpu_us]}" "${R[$run|nginx|$m|cpu_us]}")" \
        "$(ratio "${R[$run|sy-quiet|$m|rps]}" "${R[$run|nginx|$m|rps]}")" "$(ratio "${R[$run|sy-quiet|$m|cpu_us]}" "${R[$run|nginx|$m|cpu_us]}")"
    done
    for m in ns st; do
      printf '  switchyard budgets on / off, %-12s req/s %sx, cpu/req %sx\n' "${LABEL[$m]}:" \
        "$(ratio "${R[$run|sy-budget|$m|rps]}" "${R[$run|sy|$m|rps]}")" "$(ratio "${R[$run|sy-budget|$m|cpu_us]}" "${R[$run|sy|$m|cpu_us]}")"
    done
    for pace in spread phase; do
    sfx="$(suffix_for "$pace")"
    echo "fixed rate (~1,000 req/s), ${PACING[$pace]}"
    printf '%-22s %-18s %9s %8s %8s %14s %7s %8s\n' path mode req/s "p50 ms" "p99 ms" "added p50 ms" non-2xx sock-err
    for m in ns st; do for who in rate-direct rate-nginx rate-sy; do
      k="$run|$who$sfx|$m"
      printf '%-22s %-18s %9s %8s %8s %14s %7s %8s\n' "${WHO_NAME[$who]}" "${LABEL[$m]}" "${R[$k|rps]}" "$(ms "${R[$k|p50]}")" \
        "$(ms "${R[$k|p99]}")" "$([ "$who" = rate-direct ] && echo - || added "${R[$k|p50]}" "${R[$run|rate-direct$sfx|$m|p50]}")" \
        "${R[$k|non2xx]}" "${R[$k|sockerr]}"
    done
    printf '  switchyard minus nginx, %s: p50 %s ms\n' "${LABEL[$m]}" "$(added "${R[$run|rate-sy$sfx|$m|p50]}" "${R[$run|rate-nginx$sfx|$m|p50]}")"
    done
    done
    echo "allocations (switchyard, request log on)"
    printf '%-22s %-18s %9s %11s %11s %7s %8s\n' "" mode requests allocs/req bytes/req non-2xx sock-err
    for m in "${MODES[@]}"; do
      k="$run|alloc|$m"
      printf '%-22s %-18s %9s %11s %11s %7s %8s\n' "" "${LABEL[$m]}" "${R[$k|requests]}" "${R[$k|allocs]}" "${R[$k|bytes]}" \
        "${R[$k|non2xx]}" "${R[$k|sockerr]}"
    done
  } | tee -a "$RUN_OUT"
done

# ---------------------------------------------------------------------------------------------------
# Markdown summary: every run's figure, separated by " / " (run 1 / run 2 / ...).
# ---------------------------------------------------------------------------------------------------
per_run() {  # per_run EXPR: EXPR evaluated for every run (with $r set), joined by " / "
  local r out=""
  for ((r = 1; r <= RUNS; r++)); do out+="${out:+ / }$(eval "$1")"; done
  printf '%s' "$out"
}
TABLES="$W/tables.md"
{
  echo "Closed loop, $CONN connections, ${DUR} s (figures per run: run 1 / run 2 / ...):"
  echo
  echo "| proxy | mode | req/s | CPU µs per request | of which user space | p50 ms | p99 ms | non-2xx |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for who in nginx sy sy-quiet sy-budget; do for m in "${MODES[@]}"; do
    [ -n "${R[1|$who|$m|rps]:-}" ] || continue
    echo "| ${WHO_NAME[$who]} | ${LABEL[$m]} | $(per_run 'echo "${R[$r|'"$who|$m"'|rps]}"') | $(per_run 'echo "${R[$r|'"$who|$m"'|cpu_us]}"') | $(per_run 'echo "${R[$r|'"$who|$m"'|user_us]}"') | $(per_run 'ms "${R[$r|'"$who|$m"'|p50]}"') | $(per_run 'ms "${R[$r|'"$who|$m"'|p99]}"') | $(per_run 'echo "${R[$r|'"$who|$m"'|non2xx]}"') |"
  done; done
  echo
  echo "| mode | switchyard / nginx req/s, log on | CPU per request, log on | req/s, log off | CPU per request, log off |"
  echo "| --- | --- | --- | --- | --- |"
  for m in ns st long; do
    echo "| ${LABEL[$m]} | $(per_run 'ratio "${R[$r|sy|'"$m"'|rps]}" "${R[$r|nginx|'"$m"'|rps]}"')x | $(per_run 'ratio "${R[$r|sy|'"$m"'|cpu_us]}" "${R[$r|nginx|'"$m"'|cpu_us]}"')x | $(per_run 'ratio "${R[$r|sy-quiet|'"$m"'|rps]}" "${R[$r|nginx|'"$m"'|rps]}"')x | $(per_run 'ratio "${R[$r|sy-quiet|'"$m"'|cpu_us]}" "${R[$r|nginx|'"$m"'|cpu_us]}"')x |"
  done
  echo
  echo "Budgets on (a gateway and a route budget, priced targets: reserve, settle and journal per request) against the default config, same run:"
  echo
  echo "| mode | req/s, budgets on / off | CPU per request, budgets on / off |"
  echo "| --- | --- | --- |"
  for m in ns st; do
    echo "| ${LABEL[$m]} | $(per_run 'ratio "${R[$r|sy-budget|'"$m"'|rps]}" "${R[$r|sy|'"$m"'|rps]}"')x | $(per_run 'ratio "${R[$r|sy-budget|'"$m"'|cpu_us]}" "${R[$r|sy|'"$m"'|cpu_us]}"')x |"
  done
  echo
  for pace in spread phase; do
  sfx="$(suffix_for "$pace")"
  if [ "$pace" = spread ]; then
    echo "~1,000 req/s, spread arrivals ($RATE_CONN connections, each waiting 0-$((2 * RATE_DELAY_MS)) ms, uniformly drawn, after every answer), ${DUR} s; added p50 = proxy minus direct:"
  else
    echo "~1,000 req/s in step ($RATE_CONN connections, each waiting ${RATE_DELAY_MS} ms after every answer: about $RATE_CONN requests at once every ${RATE_DELAY_MS} ms), ${DUR} s:"
  fi
  echo
  echo "| mode | direct p50 ms | nginx p50 ms | switchyard p50 ms | nginx added p50 ms | switchyard added p50 ms | switchyard minus nginx ms |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for m in ns st; do
    echo "| ${LABEL[$m]} | $(per_run 'ms "${R[$r|rate-direct'"$sfx|$m"'|p50]}"') | $(per_run 'ms "${R[$r|rate-nginx'"$sfx|$m"'|p50]}"') | $(per_run 'ms "${R[$r|rate-sy'"$sfx|$m"'|p50]}"') | $(per_run 'added "${R[$r|rate-nginx'"$sfx|$m"'|p50]}" "${R[$r|rate-direct'"$sfx|$m"'|p50]}"') | $(per_run 'added "${R[$r|rate-sy'"$sfx|$m"'|p50]}" "${R[$r|rate-direct'"$sfx|$m"'|p50]}"') | $(per_run 'added "${R[$r|rate-sy'"$sfx|$m"'|p50]}" "${R[$r|rate-nginx'"$sfx|$m"'|p50]}"') |"
  done
  echo
  done
  echo "Switchyard allocations per request (bench/alloc_count.c; default config, ${ALLOC_DUR} s at $CONN connections):"
  echo
  echo "| mode | allocations per request | bytes per request |"
  echo "| --- | --- | --- |"
  for m in "${MODES[@]}"; do
    echo "| ${LABEL[$m]} | $(per_run 'echo "${R[$r|alloc|'"$m"'|allocs]}"') | $(per_run 'echo "${R[$r|alloc|'"$m"'|bytes]}"') |"
  done
  [ "$ANY_ERRORS" = 0 ] || { echo; echo "**WARNING: some runs had non-2xx answers or socket errors; their figures are suspect.**"; }
} >"$TABLES"
echo
cat "$TABLES"

mkdir -p "$RESULTS_DIR"
{
  echo "# Isolated benchmark: the proxy's own cost (bench/isolated.sh)"
  echo
  echo '```'
  echo "$HEADER"
  echo '```'
  echo
  cat "$TABLES"
  echo
  echo "Every run:"
  echo
  echo '```'
  sed '1{/^$/d}' "$RUN_OUT"
  echo '```'
} >"$RESULTS_DIR/isolated-latest.md"
echo
echo "written: $RESULTS_DIR/isolated-latest.md"
[ "$ANY_ERRORS" = 0 ] || exit 1
