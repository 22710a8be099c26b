#!/usr/bin/env bash
# Starts the agent from source in standard mode on this machine.
#
# Docker: DOCKER_SOCKET or DOCKER_HOST when set, else the host's daemon when one answers on a usual socket, else a
# private engine (Debian's dockerd) that this script starts under /tmp/hawser-local-engine and stops on exit.
# Every other setting comes from the environment (TOKEN, PORT, BIND_ADDRESS, ...; see README.md) or the flags,
# which are passed on: bash deploy/start-local.sh --port 2377
set -euo pipefail
cd "$(dirname "$0")/.."

engine_dir=/tmp/hawser-local-engine
started_engine=

answers() { curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

if [ -z "${DOCKER_SOCKET:-}" ] && [ -z "${DOCKER_HOST:-}" ]; then
  for sock in /var/run/docker.sock "$HOME/.docker/run/docker.sock" /run/docker.sock /run/podman/podman.sock; do
    if [ -S "$sock" ] && answers "$sock"; then
      export DOCKER_SOCKET=$sock
      break
    fi
  done
  if [ -z "${DOCKER_SOCKET:-}" ]; then
    echo "start-local: no Docker daemon answers here; starting a private engine in $engine_dir" >&2
    DOCKER_SOCKET=$(bash tests/engine/engine.sh start "$engine_dir" | tail -n 1)
    export DOCKER_SOCKET
    started_engine=1
  fi
fi

agent=
cleanup() {
  if [ -n "$agent" ] && kill -0 "$agent" 2>/dev/null; then
    kill -TERM "$agent" 2>/dev/null || true
    wait "$agent" 2>/dev/null || true
  fi
  if [ -n "$started_engine" ]; then
    bash tests/engine/engine.sh stop "$engine_dir"
  fi
}
# The agent runs as a child so that the engine can be stopped after it; a signal to this script stops both,
# also when the script itself was started in the background (where SIGINT is ignored).
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT HUP

if [ -z "${TOKEN:-}" ]; then
  echo "start-local: no TOKEN set, so the agent listens on 127.0.0.1 only; set TOKEN=... to accept Dockhand" >&2
fi

dotnet build src/Hawser.Proxy -c Release -nologo -v quiet >/dev/null
dotnet src/Hawser.Proxy/bin/Release/net10.0/hawser.dll "$@" &
agent=$!
wait "$agent"
