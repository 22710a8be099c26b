#!/usr/bin/env bash
# Throughput and memory of standard mode against a direct connection to the same daemon.
# Starts a private engine and the agent (Release build), streams a 220 MB image export (docker save) and an
# import (docker load) directly and through the agent, samples the agent's resident memory, and prints a
# Markdown table row per measurement. Usage: bash bench/run.sh [rounds]
# BENCH_AGENT=trimmed measures the build the container image ships (self-contained, trimmed) instead of
# `dotnet hawser.dll`.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
dir=/tmp/hawser-bench-engine
port=23799
token=bench-token

sock=$(bash tests/engine/engine.sh start "$dir" | tail -n 1)
bash tests/engine/engine.sh big-image "$dir" 220
if [ "${BENCH_AGENT:-framework}" = trimmed ]; then
  out=/tmp/hawser-bench-trimmed
  dotnet publish src/Hawser.Proxy -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$out" \
    -nologo -v quiet >/dev/null
  agent_cmd=("$out/hawser")
else
  dotnet build src/Hawser.Proxy -c Release -nologo -v quiet >/dev/null
  agent_cmd=(dotnet src/Hawser.Proxy/bin/Release/net10.0/hawser.dll)
fi
cfg=$(mktemp -d)
echo "{\"HttpHeaders\":{\"X-Hawser-Token\":\"$token\"}}" >"$cfg/config.json"
env TOKEN=$token PORT=$port BIND_ADDRESS=127.0.0.1 DOCKER_SOCKET="$sock" \
  "${agent_cmd[@]}" >/tmp/hawser-bench-agent.log 2>&1 &
agent=$!
cleanup() { kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; bash tests/engine/engine.sh stop "$dir"; rm -rf "$cfg"; }
trap cleanup EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/_hawser/health" && break; sleep 0.2; done

rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$agent/status"; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }

direct=(env DOCKER_HOST="unix://$sock")
proxied=(env DOCKER_HOST="tcp://127.0.0.1:$port" DOCKER_CONFIG="$cfg")
"${proxied[@]}" docker version >/dev/null
idle=$(rss)
echo "| measurement | direct | through agent |"
echo "|---|---|---|"
for round in $(seq 1 "$rounds"); do
  peak=$idle
  ( while kill -0 "$agent" 2>/dev/null; do r=$(rss); echo "$r"; sleep 0.05; done ) >"$cfg/rss.$round" &
  sampler=$!
  d=$(seconds "${direct[@]}" docker save local/big:1)
  p=$(seconds "${proxied[@]}" docker save local/big:1)
  dl=$(seconds sh -c "docker -H unix://$sock save local/big:1 | ${direct[*]} docker load")
  pl=$(seconds sh -c "docker -H unix://$sock save local/big:1 | ${proxied[*]} docker load")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$cfg/rss.$round" | tail -n 1)
  echo "| round $round: docker save 220 MB (s) | $d | $p |"
  echo "| round $round: save into docker load 220 MB (s) | $dl | $pl |"
  echo "| round $round: agent RSS idle / peak (MB) | – | $idle / $peak |"
done
