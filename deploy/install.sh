#!/usr/bin/env bash
# Installs Hawser.Proxy as a systemd service: a system user, /opt/hawser, /etc/hawser/config, the unit.
#
#   bash deploy/install.sh [--root DIR] [--bin DIR] [--mode standard|edge]
#
# --bin DIR   a published agent (dotnet publish src/Hawser.Proxy -c Release -o DIR); built here when absent
# --root DIR  install into DIR instead of / (a throwaway root, an image being built); no service is started
# --mode      which example settings to put in place when /etc/hawser/config does not exist yet (default standard)
# Needs: the ASP.NET Core 10 runtime as /usr/bin/dotnet (the unit hides home folders), and the SDK unless --bin.
set -euo pipefail
cd "$(dirname "$0")/.."

root=/
bin=
mode=standard
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$mode" in standard|edge) ;; *) echo "install.sh: --mode must be standard or edge" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

if [ -z "$bin" ]; then
  bin=$(mktemp -d)
  dotnet publish src/Hawser.Proxy -c Release -o "$bin" -nologo -v quiet >/dev/null
fi
[ -f "$bin/hawser.dll" ] || { echo "install.sh: $bin holds no hawser.dll" >&2; exit 1; }

# Step 1: the service user, in the docker group so that it reaches the socket.
getent_in_root() { grep -q "^$2:" "$root/etc/$1" 2>/dev/null; }
mkdir -p "$root/etc"
touch "$root/etc/passwd" "$root/etc/group"
getent_in_root group docker || groupadd --root "$(realpath "$root")" --system docker
getent_in_root passwd hawser || useradd --root "$(realpath "$root")" --system --no-create-home \
  --home-dir /var/lib/hawser --shell /usr/sbin/nologin --user-group --groups docker hawser

# Step 2: the binaries and a launcher.
install -d -m 0755 "$root/opt/hawser"
cp -a "$bin/." "$root/opt/hawser/"
cat >"$root/opt/hawser/hawser" <<'LAUNCH'
#!/bin/sh
exec dotnet /opt/hawser/hawser.dll "$@"
LAUNCH
chmod 0755 "$root/opt/hawser/hawser"

# Step 3: settings (kept when present) and the state folder.
install -d -m 0750 "$root/etc/hawser" "$root/var/lib/hawser"
[ -f "$root/etc/hawser/config" ] || install -m 0600 "deploy/config.$mode.example" "$root/etc/hawser/config"

# Step 4: the unit.
install -d "$root/etc/systemd/system"
install -m 0644 deploy/hawser.service "$root/etc/systemd/system/hawser.service"
if [ "$root" = / ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "Installed. Edit /etc/hawser/config, then: systemctl enable --now hawser"
else
  echo "Installed into $root (no service started)."
fi
