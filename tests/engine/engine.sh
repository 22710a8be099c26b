#!/usr/bin/env bash
# Starts and stops a private Docker engine (Debian's dockerd) for the tests and for a local try-out.
#
#   engine.sh start DIR   start dockerd on unix://DIR/docker.sock, wait for /_ping, import local/busybox:1
#   engine.sh stop DIR    stop the dockerd started in DIR, by the PID it wrote
#
# Each engine runs without the default docker0 bridge (--bridge=none): several engines on one host (a developer's
# and CI's) would otherwise share docker0, and the first one to stop removes it under the others. Containers get
# loopback networking only, which is all the tests need; "docker run" prints that IPv4 forwarding is disabled,
# because the engine never changes the host's forwarding or firewall. ENGINE_BRIDGE=default restores docker0.
#   engine.sh install     apt-get the packages the engine needs (docker.io, busybox-static)
#   engine.sh big-image DIR MB   import local/big:1, busybox plus MB megabytes of random data (once)
#
# The engine never touches the host's iptables and pulls nothing: the only image is a busybox root
# built from the busybox-static binary of this machine.
set -euo pipefail

die() { echo "engine.sh: $*" >&2; exit 1; }

install_packages() {
  if command -v dockerd >/dev/null && command -v busybox >/dev/null && command -v curl >/dev/null \
    && command -v socat >/dev/null && command -v promtool >/dev/null && command -v docker-compose >/dev/null; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "test tools missing; run as root or: apt-get install docker.io busybox-static curl socat prometheus"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # socat: the edge tests put it between the agent and their Dockhand stand-in, to freeze the link.
  # prometheus: the metrics tests check /metrics with promtool and scrape the agent with a real server.
  # docker-compose (v1): the compose tests run stacks with it.
  apt-get install -y -qq --no-install-recommends docker.io busybox-static curl socat prometheus docker-compose >/dev/null
}

ping_ok() { curl -sf --max-time 2 --unix-socket "$1/docker.sock" http://d/_ping >/dev/null 2>&1; }

import_busybox() {
  local dir=$1 root
  if curl -sf --unix-socket "$dir/docker.sock" http://d/images/local/busybox:1/json >/dev/null; then
    return 0
  fi
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  tar -C "$root" -c . | curl -sf --unix-socket "$dir/docker.sock" -X POST \
    -H 'Content-Type: application/x-tar' --data-binary @- \
    'http://d/images/create?fromSrc=-&repo=local/busybox&tag=1' >/dev/null \
    || die "importing local/busybox:1 failed"
  rm -rf "$root"
}

start() {
  local dir=$1
  install_packages
  mkdir -p "$dir"
  if [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null && ping_ok "$dir"; then
    import_busybox "$dir"
    echo "$dir/docker.sock"
    return 0
  fi
  rm -f "$dir/dockerd.pid" "$dir/docker.sock"
  # Own cgroup and bridge settings are left at dockerd's defaults; iptables stays untouched so the host's
  # firewall is not changed by a test run.
  local extra=()
  [ "${ENGINE_BRIDGE:-none}" = default ] || extra+=("--bridge=${ENGINE_BRIDGE:-none}")
  setsid dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    -H "unix://$dir/docker.sock" --iptables=false --ip6tables=false --ip-forward=false "${extra[@]}" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    if ping_ok "$dir"; then
      import_busybox "$dir"
      echo "$dir/docker.sock"
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$dir/dockerd.log" >&2 || true
  die "dockerd did not answer /_ping within 60 s (log: $dir/dockerd.log)"
}

big_image() {
  local dir=$1 mb=$2 root
  if curl -sf --unix-socket "$dir/docker.sock" http://d/images/local/big:1/json >/dev/null; then
    return 0
  fi
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/data"
  cp "$(command -v busybox)" "$root/bin/busybox"
  head -c "$((mb * 1024 * 1024))" /dev/urandom >"$root/data/blob"
  tar -C "$root" -c . | curl -sf --unix-socket "$dir/docker.sock" -X POST \
    -H 'Content-Type: application/x-tar' --data-binary @- \
    'http://d/images/create?fromSrc=-&repo=local/big&tag=1' >/dev/null \
    || die "importing local/big:1 failed"
  rm -rf "$root"
}

stop() {
  local dir=$1 pid
  [ -f "$dir/dockerd.pid" ] || return 0
  pid=$(cat "$dir/dockerd.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/dockerd.pid"; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/dockerd.pid"
}

case "${1:-}" in
  install) install_packages ;;
  start) [ -n "${2:-}" ] || die "usage: engine.sh start DIR"; start "$2" ;;
  big-image) [ -n "${3:-}" ] || die "usage: engine.sh big-image DIR MB"; big_image "$2" "$3" ;;
  stop) [ -n "${2:-}" ] || die "usage: engine.sh stop DIR"; stop "$2" ;;
  *) die "usage: engine.sh install | start DIR | stop DIR | big-image DIR MB" ;;
esac
