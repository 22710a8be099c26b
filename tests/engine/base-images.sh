#!/usr/bin/env bash
# Builds, from this machine's own files, the two base images that deploy/Dockerfile takes as build arguments, and
# imports them into a Docker engine. No registry is reachable here, so the test of the image uses these:
#
#   base-images.sh SOCKET
#     local/runtime-deps:12  glibc, libstdc++, libssl and CA certificates of this Debian host, no shell: the same
#                            contents as Microsoft's chiseled runtime-deps image
#     local/dotnet-sdk:10    the same plus ICU, dash, coreutils, this host's .NET SDK and a NuGet cache holding the
#                            packages the agent restores (the build stage has no network, so NuGet's
#                            vulnerability audit, which asks the registry, is off in this image: NuGetAudit=false)
#
# Both are made once per engine; an image that is already there is kept.
set -euo pipefail

die() { echo "base-images.sh: $*" >&2; exit 1; }
[ -n "${1:-}" ] || die "usage: base-images.sh SOCKET"
sock=$1
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
docker_cli() { docker -H "unix://$sock" "$@"; }
have_image() { docker_cli image inspect "$1" >/dev/null 2>&1; }

[ "$(uname -m)" = x86_64 ] || die "only x86_64 hosts are supported (the NuGet cache is restored for linux-x64)"
command -v dotnet >/dev/null || die "the .NET SDK is needed (dotnet on PATH)"

work=$(mktemp -d /tmp/hawser-base-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The files of Debian packages, with their folders resolved (Debian 12 links /lib to /usr/lib).
package_files() {
  dpkg -L "$@" | while IFS= read -r f; do
    if [ -f "$f" ] || [ -L "$f" ]; then
      echo "$(readlink -f "$(dirname "$f")")/$(basename "$f")"
    fi
  done
}

# Copies listed absolute paths into a root, keeping links as links.
copy_into() {
  local root=$1 list=$2
  sed 's|^/*||' "$list" | sort -u | tar -C / --no-recursion -cf - -T - | tar -C "$root" -xf -
}

# Adds every shared library the root's programs and libraries link to and the root still lacks.
add_linked_libraries() {
  local root=$1 list=$work/linked
  : >"$list"
  find "$root" -type f \( -perm -u+x -o -name '*.so*' \) -print0 | while IFS= read -r -d '' f; do
    ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' || true
  done | while IFS= read -r lib; do
    [ -e "$root$lib" ] || echo "$(readlink -f "$(dirname "$lib")")/$(basename "$lib")"
    [ -e "$root$(readlink -f "$lib")" ] || readlink -f "$lib"
  done >"$list"
  copy_into "$root" "$list"
}

make_root() {
  local root=$1
  shift
  mkdir -p "$root"/usr/bin "$root"/usr/lib "$root"/usr/lib64 "$root"/usr/sbin "$root"/etc/ssl/certs "$root"/tmp
  chmod 1777 "$root/tmp"
  for link in bin lib lib64 sbin; do ln -s "usr/$link" "$root/$link"; done
  package_files "$@" >"$work/files"
  copy_into "$root" "$work/files"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  rm -rf "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/lintian "$root"/usr/share/locale
}

if ! have_image local/runtime-deps:12; then
  make_root "$work/runtime" libc6 libgcc-s1 libstdc++6 libssl3
  add_linked_libraries "$work/runtime"
  tar -C "$work/runtime" -c . | docker_cli import - local/runtime-deps:12 >/dev/null
  rm -rf "$work/runtime"
fi

if ! have_image local/dotnet-sdk:10; then
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  root=$work/sdk
  make_root "$root" libc6 libgcc-s1 libstdc++6 libssl3 libicu72 dash coreutils
  ln -sf dash "$root/usr/bin/sh"
  mkdir -p "$root/usr/share/dotnet" "$root/root/.nuget/packages"
  cp -a "$dotnet_root/." "$root/usr/share/dotnet/"
  ln -sf ../share/dotnet/dotnet "$root/usr/bin/dotnet"
  add_linked_libraries "$root"

  # The packages the image build restores, fetched here from this machine's NuGet source into the image's cache.
  mkdir -p "$work/restore/src/Hawser.Proxy"
  cp "$repo_root"/Directory.Build.props "$repo_root"/Directory.Packages.props "$repo_root"/appsettings.json \
    "$work/restore/"
  cp "$repo_root/src/Hawser.Proxy/Hawser.Proxy.csproj" "$work/restore/src/Hawser.Proxy/"
  dotnet restore "$work/restore/src/Hawser.Proxy" -r linux-x64 -p:PublishTrimmed=true \
    --packages "$root/root/.nuget/packages" >"$work/restore.log" 2>&1 \
    || { cat "$work/restore.log" >&2; die "restoring the agent's packages failed"; }

  tar -C "$root" -c . | docker_cli import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV HOME=/root' \
    --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
    --change 'ENV NuGetAudit=false' \
    - local/dotnet-sdk:10 >/dev/null
fi
