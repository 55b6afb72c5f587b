#!/bin/bash
# Container creation time and disk per container, for each storage driver
# (overlay, dir), from a cached image of ~10 MB and of ~1 GB (busybox plus
# 256 KiB files of random data, plain tar). Not a timed test: prints a table.
# Run as root:  sudo bash bench/storage.sh [BUILD_DIR]     (default: build/)
# Env: RUNS (5), SIZES_MB ("10 1024"), B (/var/tmp/nest-bench-storage)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build}
RUNS=${RUNS:-5}
SIZES_MB=${SIZES_MB:-10 1024}
B=${B:-/var/tmp/nest-bench-storage}
[ "$(id -u)" = 0 ] || { echo "bench/storage.sh: run as root" >&2; exit 1; }
rm -rf "$B"; mkdir -p -m 0711 "$B/nest"
export NEST_DIR=$B/nest
NEST=$B/bin/nest
mkdir -p "$B/bin"
cp "$BIN/src/daemon/nestd" "$BIN/src/cli/nest" "$BIN/src/monitor/nest-monitor" "$B/bin/"
"$B/bin/nestd" --foreground >"$B/nestd.out" 2>&1 &
NESTD=$!
cleanup() {
  for c in $("$NEST" list --format csv 2>/dev/null | cut -d, -f1); do "$NEST" delete -f "$c" >/dev/null 2>&1 || true; done
  kill "$NESTD" 2>/dev/null; wait "$NESTD" 2>/dev/null || true
  rm -rf --one-file-system "$B"
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$NEST_DIR/unix.socket" ] && break; sleep 0.1; done

OUT=$B/img bash "$here/build-image.sh" >/dev/null
ms() { echo $(( ($2 - $1) / 1000000 )); }
printf '| image | driver | create (median of %s) | disk per container |\n|---|---|---|---|\n' "$RUNS"
for mb in $SIZES_MB; do
  rm -rf "$B/img/work/rootfs/data"; mkdir -p "$B/img/work/rootfs/data"
  for i in $(seq 1 $((mb * 4))); do head -c 262144 /dev/urandom >"$B/img/work/rootfs/data/f$i"; done
  (cd "$B/img/work" && tar --numeric-owner -cf "$B/img-$mb.tar" metadata.yaml templates rootfs)
  "$NEST" image import "$B/img-$mb.tar" --alias "img$mb" >/dev/null
  for drv in overlay dir; do
    "$NEST" config set storage.driver "$drv"
    times=()
    for r in $(seq 1 "$RUNS"); do
      t0=$(date +%s%N); "$NEST" init "img$mb" "b-$drv-$mb-$r" >/dev/null; t1=$(date +%s%N)
      times+=("$(ms "$t0" "$t1")")
    done
    med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    # Disk: what the container itself holds (overlay: its directory, upper only).
    disk=$(du -sk "$NEST_DIR/containers/b-$drv-$mb-1" | cut -f1)
    # dir: the first start shifts every entry (the chown walk).
    t0=$(date +%s%N); "$NEST" start "b-$drv-$mb-1" >/dev/null; t1=$(date +%s%N)
    printf '| %s MB | %s | %s ms (runs: %s) | %s KiB; first start %s ms |\n' "$mb" "$drv" "$med" \
      "${times[*]}" "$disk" "$(ms "$t0" "$t1")"
    for r in $(seq 1 "$RUNS"); do "$NEST" delete -f "b-$drv-$mb-$r" >/dev/null; done
  done
  "$NEST" image delete "img$mb" >/dev/null
done
