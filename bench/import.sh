#!/bin/bash
# Import of a ~1 GB unified image (tar.xz) by `nest image import`, beside
# `tar -xJf` of the same file (issue #3: nest ≥ 90 % of tar's speed). Not a
# timed test: prints a table. The image holds real files (a copy of the host's
# /usr/lib/x86_64-linux-gnu and /usr/share up to SIZE_MB), so xz has real work.
# Run as root:  sudo bash bench/import.sh [BUILD_DIR]     (default: build/)
# Env: RUNS (3), SIZE_MB (1024), B (/var/tmp/nest-bench-import)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build}
RUNS=${RUNS:-3}
SIZE_MB=${SIZE_MB:-1024}
B=${B:-/var/tmp/nest-bench-import}
[ "$(id -u)" = 0 ] || { echo "bench/import.sh: run as root" >&2; exit 1; }
mkdir -p "$B/bin"
rm -rf "$B/nest" "$B/x"
mkdir -p -m 0711 "$B/nest"
export NEST_DIR=$B/nest NEST_CONF_DIR=$B/conf
NEST=$B/bin/nest
cp "$BIN/src/daemon/nestd" "$BIN/src/cli/nest" "$BIN/src/monitor/nest-monitor" "$B/bin/"
"$B/bin/nestd" --foreground >"$B/nestd.out" 2>&1 &
NESTD=$!
cleanup() {
  kill "$NESTD" 2>/dev/null; wait "$NESTD" 2>/dev/null || true
  rm -rf --one-file-system "$B/nest" "$B/x"
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$NEST_DIR/unix.socket" ] && break; sleep 0.1; done

# The image (kept between runs of this script: building it takes minutes).
IMG=$B/big-$SIZE_MB.tar.xz
if [ ! -s "$IMG" ]; then
  echo "building $IMG (busybox + ${SIZE_MB} MB of host files, xz -T2 -1)…" >&2
  OUT=$B/img bash "$here/build-image.sh" >/dev/null
  data=$B/img/work/rootfs/data
  mkdir -p "$data"
  for src in /usr/lib/x86_64-linux-gnu /usr/share; do
    [ "$(du -sm "$data" | cut -f1)" -ge "$SIZE_MB" ] && break
    cp -a "$src" "$data/" 2>/dev/null || true
  done
  # Trim to about SIZE_MB: drop whole files past the budget.
  budget=$((SIZE_MB * 1024 * 1024))
  find "$data" -type f -printf '%s %p\n' | sort -k2 | awk -v b="$budget" '{t += $1; if (t > b) print $2}' |
    xargs -r rm -f
  (cd "$B/img/work" && tar --numeric-owner -cf - metadata.yaml templates rootfs) |
    xz -T2 -1 >"$IMG.tmp"
  mv "$IMG.tmp" "$IMG"
fi
unpacked=$(xz -T1 -dc "$IMG" | wc -c)
ms() { echo $(((${2} - ${1}) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

tar_t=() nest_t=()
for r in $(seq 1 "$RUNS"); do
  rm -rf "$B/x"; mkdir -p "$B/x"; sync
  t0=$(date +%s%N); tar -C "$B/x" --numeric-owner -xJf "$IMG"; t1=$(date +%s%N)
  tar_t+=("$(ms "$t0" "$t1")")
  rm -rf "$B/x"; sync
  t0=$(date +%s%N); "$NEST" image import "$IMG" --alias big >/dev/null; t1=$(date +%s%N)
  nest_t+=("$(ms "$t0" "$t1")")
  "$NEST" image delete big >/dev/null
done
tm=$(median "${tar_t[@]}") nm=$(median "${nest_t[@]}")
printf '| image | tar -xJf | nest image import | nest speed / tar speed |\n|---|---:|---:|---:|\n'
printf '| %s MB tar.xz, %s MB unpacked | %s ms (%s) | %s ms (%s) | %s %% |\n' \
  "$(($(stat -c %s "$IMG") / 1048576))" "$((unpacked / 1048576))" "$tm" "${tar_t[*]}" \
  "$nm" "${nest_t[*]}" "$((100 * tm / nm))"
