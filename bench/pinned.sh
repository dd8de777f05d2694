#!/usr/bin/env bash
# CPU microseconds per request of the proxy alone on CPU 0 (upstream nginx and wrk on CPU 1):
# nginx proxy_pass (worker_processes 1) vs switchyard (workers: 1), non-stream and stream.
# Usage: bench/pinned.sh BIN [BIN...]   (one line per proxy and mode; needs nginx, wrk, taskset)
# CPU time is the process's own user + system time (/proc/PID/task/*/stat) over the measured run,
# divided by the requests wrk completed; each binary runs with the default config (request log on).
# Every run is bounded: DUR seconds (default 8) after a 2 s warm-up, per proxy and mode.
set -euo pipefail
W=$(mktemp -d /tmp/pinned-XXXX); UP=18601; NP=18602; SP=18603
DUR=${DUR:-8}; CONN=${CONN:-64}
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}'
SSE=""
chunk() { SSE+="data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":$1,\"logprobs\":null,\"finish_reason\":$2}]}"$'\n\n'; }
chunk '{"role":"assistant","content":""}' null
for w in Hello '!' ' How' ' can' ' I' ' help' ' you' ' today' '?'; do chunk "{\"content\":\"$w\"}" null; done
chunk '{}' '"stop"'
SSE+="data: [DONE]"$'\n\n'
esc() { local s="${1//\\/\\\\}"; s="${s//\'/\\\'}"; printf '%s' "${s//$'\n'/\\n}"; }
common() { cat <<EOF
worker_processes 1; pid $1/nginx.pid; error_log $1/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; keepalive_timeout 120s;
client_body_temp_path $1/cb; proxy_temp_path $1/pt; fastcgi_temp_path $1/ft; uwsgi_temp_path $1/ut; scgi_temp_path $1/st;
EOF
}
mkdir -p $W/up $W/px
{ common $W/up; cat <<EOF
server { listen 127.0.0.1:$UP;
 location = /v1/chat/completions { default_type application/json; return 200 '$(esc "$COMPLETION")'; }
 location = /stream/v1/chat/completions { default_type text/event-stream; return 200 '$(esc "$SSE")'; } } }
EOF
} > $W/up/nginx.conf
{ common $W/px; cat <<EOF
upstream u { server 127.0.0.1:$UP; keepalive 64; keepalive_requests 100000000; }
server { listen 127.0.0.1:$NP;
 location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; }
 location /stream/ { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }
EOF
} > $W/px/nginx.conf
cat > $W/sy.yaml <<EOF
listen: 127.0.0.1:$SP
workers: 1
providers:
  up: {kind: openai, base_url: "http://127.0.0.1:$UP/v1"}
  ups: {kind: openai, base_url: "http://127.0.0.1:$UP/stream/v1"}
routes:
  bench: {targets: [up/gpt-4o-mini]}
  bench-stream: {targets: [ups/gpt-4o-mini]}
EOF
mklua() { cat > $W/$1.lua <<EOF
wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"$2","stream":$3,"messages":[{"role":"user","content":"Hello!"}]}'
EOF
}
mklua ns bench false; mklua st bench-stream true
taskset -c 1 nginx -p $W/up -c $W/up/nginx.conf -g 'daemon off;' & UPID=$!
taskset -c 0 nginx -p $W/px -c $W/px/nginx.conf -g 'daemon off;' & NPID=$!
sleep 1
ticks() { local t=0; for p in "$@"; do for tp in /proc/$p/task/*; do read -r -a f < $tp/stat; t=$((t + f[13] + f[14])); done; done; echo $t; }
HZ=$(getconf CLK_TCK)
measure() { # name pids... -- url path lua
  local name=$1; shift; local pids=(); while [ "$1" != -- ]; do pids+=($1); shift; done; shift
  local url=$1 lua=$2
  taskset -c 1 wrk -t1 -c$CONN -d2s -s $W/$lua.lua $url >/dev/null 2>&1
  local before=$(ticks "${pids[@]}")
  local out=$(taskset -c 1 wrk -t1 -c$CONN -d${DUR}s -s $W/$lua.lua $url)
  local after=$(ticks "${pids[@]}")
  local reqs=$(echo "$out" | awk '/requests in/{print $1}')
  local rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  local non2xx=$(echo "$out" | awk '/Non-2xx/{print $NF}')
  awk -v n="$name" -v t=$((after-before)) -v hz=$HZ -v r=$reqs -v rps=$rps -v bad="${non2xx:-0}" \
    'BEGIN{printf "%-28s req/s %9.0f  cpu_us/req %7.1f  non2xx %s\n", n, rps, t*1e6/hz/r, bad}'
}
NWORK=$(pgrep -P $NPID)
measure "nginx non-stream" $NPID $NWORK -- http://127.0.0.1:$NP/v1/chat/completions ns
measure "nginx stream" $NPID $NWORK -- http://127.0.0.1:$NP/stream/v1/chat/completions st
for BIN in "$@"; do
  taskset -c 0 $BIN serve --config $W/sy.yaml > $W/sy.log 2>&1 & SPID=$!
  sleep 1
  tag=${BIN#/}
  measure "$tag non-stream" $SPID -- http://127.0.0.1:$SP/v1/chat/completions ns
  measure "$tag stream" $SPID -- http://127.0.0.1:$SP/v1/chat/completions st
  kill $SPID; wait $SPID 2>/dev/null || true
done
kill $NPID $UPID; wait 2>/dev/null || true
rm -rf $W
