#!/usr/bin/env bash
# Quick start: installs what is missing, builds Switchyard, starts two local simulators and the
# gateway with examples/quickstart.yaml (route `chat`: sim-a, failing every other request with a
# 503, then sim-b). No provider keys, no internet. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '[%s/4] %s\n' "$1" "$2" >&2; }

step 1 "checking dependencies (the first run installs Debian packages with apt-get: a few minutes)"
scripts/install-deps.sh
step 2 "building switchyard (the first build takes a few minutes; later ones only what changed)"
scripts/build.sh build switchyard -- -DSY_TESTS=OFF
bin=build/src/app/switchyard

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

step 3 "starting the simulators sim-a (127.0.0.1:9101) and sim-b (127.0.0.1:9102)"
"$bin" sim --listen 127.0.0.1:9101 --name sim-a --schedule "503,ok" >/tmp/switchyard-sim-a.log 2>&1 &
pids+=($!)
"$bin" sim --listen 127.0.0.1:9102 --name sim-b >/tmp/switchyard-sim-b.log 2>&1 &
pids+=($!)
step 4 "starting the gateway on 127.0.0.1:8080 (examples/quickstart.yaml)"
"$bin" serve --config examples/quickstart.yaml --log-format "${SWITCHYARD_LOG_FORMAT:-text}" &
gateway=$!
pids+=("$gateway")

for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break
  kill -0 "$gateway" 2>/dev/null || { echo "switchyard did not start (is port 8080 free?)" >&2; exit 1; }
  sleep 0.1
done

cat <<'MSG'

Switchyard is serving on http://127.0.0.1:8080 (route "chat": sim-a, which fails every other
request with a 503, then sim-b). Try this a few times and watch x-switchyard-target and
x-switchyard-attempts change while every answer is a 200:

  curl -si http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"chat","messages":[{"role":"user","content":"Hello!"}]}'

The route "claude" puts the same simulators behind other APIs: sim-a speaking Anthropic's Messages
API, then sim-b speaking Gemini's. Ask it in Anthropic's format (or in OpenAI's, as above):

  curl -si http://127.0.0.1:8080/v1/messages -H 'Content-Type: application/json' \
    -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude","max_tokens":256,"messages":[{"role":"user","content":"Hello!"}]}'

Streaming: add "stream": true to the body (and curl -N). Ctrl-C stops the gateway and simulators.

Dashboard (breakers, traffic, incidents, budgets, request log): http://127.0.0.1:8080/dashboard
Prometheus metrics: http://127.0.0.1:8080/metrics

MSG
wait "$gateway"
