#!/usr/bin/env bash
# Installs Mailfold as a systemd service: the mailfold user and group, the executable
# in /usr/local/bin, bash completion, the unit, enabled at boot. Run it again at any
# time (to upgrade the executable, say): what is already in place is left as it is.
#
# usage: sudo ./install.sh [--binary FILE] [--root DIR] [--no-enable]
#   --binary FILE  the executable to install (default: mailfold-linux-<arch> next to
#                  this script, or in ../dist)
#   --root DIR     install into DIR instead of / (for tests and image builds); nothing
#                  outside DIR is touched, and no service manager is asked to do anything
#   --no-enable    do not enable the service at boot
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=/
binary=
enable=1
die() { echo "install.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=${2:?--binary needs a file}; shift 2 ;;
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --no-enable) enable=0; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

case $(uname -m) in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
if [ -z "$binary" ]; then
  for candidate in "$here/mailfold-linux-$arch" "$here/../dist/mailfold-linux-$arch"; do
    if [ -f "$candidate" ]; then binary=$candidate; break; fi
  done
  [ -n "$binary" ] || die "no mailfold-linux-$arch next to this script or in dist/ (build it with npm run package, or give --binary)"
fi
[ -f "$binary" ] || die "$binary: no such file"
[ -d "$root" ] || die "$root: no such directory"
root=$(cd "$root" && pwd)
[ "$(id -u)" = 0 ] || [ "$root" != / ] || die "run as root (sudo), or give --root DIR"
prefix=${root%/}

# Puts a file in place with its mode, unless it is already there with the same bytes.
place() {
  local source=$1 target=$2 mode=$3 what=$4
  if [ -f "$target" ] && cmp -s "$source" "$target"; then
    echo "ok: $what ($target) is up to date"
    return
  fi
  mkdir -p "$(dirname "$target")"
  # Written beside the target and renamed: a running service keeps its old executable.
  install -m "$mode" "$source" "$target.new"
  mv -f "$target.new" "$target"
  echo "installed: $what ($target)"
}

# 1. The user and group, through sysusers.d so that a reinstall or an image build agrees.
place "$here/mailfold.sysusers" "$prefix/usr/lib/sysusers.d/mailfold.conf" 0644 "system user definition"
if [ "$root" = / ] && getent passwd mailfold >/dev/null; then
  echo "ok: user mailfold exists"
elif command -v systemd-sysusers >/dev/null; then
  mkdir -p "$prefix/etc"
  systemd-sysusers --root="$root" "$prefix/usr/lib/sysusers.d/mailfold.conf"
  echo "ok: user mailfold ($(grep '^mailfold:' "$prefix/etc/passwd" | cut -d: -f3,6,7))"
elif [ "$root" = / ]; then
  useradd --system --user-group --home-dir /var/lib/mailfold --no-create-home --shell /usr/sbin/nologin mailfold
  echo "created: user mailfold"
else
  die "systemd-sysusers is needed to create the user under --root"
fi

# 2. The executable, and bash completion made by it (when it runs on this machine).
place "$binary" "$prefix/usr/local/bin/mailfold" 0755 "executable"
completion=$(mktemp)
trap 'rm -f "$completion"' EXIT
if "$prefix/usr/local/bin/mailfold" completion bash >"$completion" 2>/dev/null; then
  place "$completion" "$prefix/usr/local/share/bash-completion/completions/mailfold" 0644 "bash completion"
else
  echo "skipped: bash completion (the executable does not run on this machine)"
fi

# 3. The unit, enabled at boot (not started: run mailfold init first).
place "$here/mailfold.service" "$prefix/etc/systemd/system/mailfold.service" 0644 "systemd unit"
if [ "$root" = / ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
if [ "$enable" = 1 ]; then
  if [ -L "$prefix/etc/systemd/system/multi-user.target.wants/mailfold.service" ]; then
    echo "ok: mailfold.service is enabled"
  else
    systemctl --root="$root" enable mailfold.service 2>&1 | sed 's/^/  /'
    echo "enabled: mailfold.service"
  fi
fi

cat <<NEXT

Next:
  sudo mailfold init          set up the host name, first domain and account
  sudo systemctl start mailfold
  mailfold status             (as root or mailfold: the control socket is theirs only)
NEXT
