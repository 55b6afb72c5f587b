#!/bin/bash
# One-time (idempotent) set-up of a Debian 12 machine for nest, as root:
#   - apt-get installs only what is missing (a second run skips apt entirely)
#   - root gets a subuid/subgid delegation (>= 65536 ids) if it has none
#   - group `nest` (may use the socket)
#   - cmake -G Ninja build (RelWithDebInfo) and install of nestd, nest,
#     nest-monitor to /usr/local/bin
# Usage: scripts/setup.sh [--start] [--no-build] [--no-install]
#   --start      also start nestd (nestd --detach) unless its socket answers
# Env: BUILD_DIR (default <repo>/build), JOBS (default nproc), PREFIX (default /usr/local)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build}
PREFIX=${PREFIX:-/usr/local}
JOBS=${JOBS:-$(nproc)}
start=0 build=1 install=1
for a in "$@"; do
  case $a in
    --start) start=1 ;;
    --no-build) build=0; install=0 ;;
    --no-install) install=0 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { echo "== $*"; }
[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root (sudo bash scripts/setup.sh)" >&2; exit 1; }

# --- packages -------------------------------------------------------------------
pkgs=(build-essential cmake ninja-build pkg-config libsqlite3-dev nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libboost-dev libarchive-dev libssl-dev libcap-ng-dev
  libseccomp-dev libgtest-dev libgmock-dev busybox-static clang-format lxd-client sqlite3
  squashfs-tools debootstrap uidmap jq curl ccache libcap2-bin attr lld)
missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  say "packages: all ${#pkgs[@]} present"
fi

# --- subuid / subgid: LXD's rule, first root entry with >= 65536 ids -------------
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  if awk -F: '$1 == "root" && $3 >= 65536 { found = 1 } END { exit !found }' "$f"; then
    say "$f: root has $(awk -F: '$1 == "root" && $3 >= 65536 { print $2 ":" $3; exit }' "$f")"
  else
    echo "root:1000000:1000000000" >>"$f"
    say "$f: added root:1000000:1000000000"
  fi
done

# --- group nest ------------------------------------------------------------------
if getent group nest >/dev/null; then say "group nest exists"; else groupadd --system nest && say "group nest created"; fi

# --- build + install -------------------------------------------------------------
if ((build)); then
  say "building in $BUILD_DIR (-j$JOBS)"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$repo" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
if ((install)); then
  mkdir -p "$PREFIX/bin"
  for b in daemon/nestd cli/nest monitor/nest-monitor; do
    src=$BUILD_DIR/src/$b dst=$PREFIX/bin/${b#*/}
    [ -x "$src" ] || { echo "setup.sh: $src was not built" >&2; exit 1; }
    # copy then rename: a running nestd/monitor keeps its old inode (no ETXTBSY)
    install -m755 "$src" "$dst.new.$$" && mv -f "$dst.new.$$" "$dst"
  done
  say "installed nestd nest nest-monitor to $PREFIX/bin"
fi

# --- daemon ----------------------------------------------------------------------
if ((start)); then
  export NEST_DIR=${NEST_DIR:-/var/lib/nest}
  if curl -sf --max-time 2 --unix-socket "$NEST_DIR/unix.socket" http://nest/1.0 >/dev/null 2>&1; then
    say "nestd already answers on $NEST_DIR/unix.socket"
  else
    say "starting nestd (log: $NEST_DIR/nestd.log)"
    "$PREFIX/bin/nestd" --detach
  fi
fi
