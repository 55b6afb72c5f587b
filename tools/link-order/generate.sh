#!/bin/bash
# Regenerates src/cli/nest.order: the functions the `nest` command runs, in
# the order it first runs them, recorded with callgrind. The link puts them
# first and together (src/cli/CMakeLists.txt), so a command touches few pages
# of code; on this VM each first touch of a page costs 7-25 us, and the order
# measured ~0.7 ms of every `nest exec` (bench/RESULTS.md, session 5).
#
# Run as root after a build; it needs only the build tree:
#   bash tools/link-order/generate.sh [BUILD_DIR]
# It starts a private nestd (state in a temporary directory), runs the common
# commands under valgrind (installed with apt-get when missing), stops nestd
# and rewrites the file. Commit the result with the change that made it stale:
# symbols the file names but the binary lacks are skipped, so a stale file only
# costs speed, never correctness.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
nest=$build/src/cli/nest
nestd=$build/src/daemon/nestd
out=$root/src/cli/nest.order
[ "$(id -u)" = 0 ] || { echo "generate.sh: run as root" >&2; exit 1; }
if [ ! -x "$nest" ] || [ ! -x "$nestd" ]; then
  echo "generate.sh: build first ($nest)" >&2
  exit 1
fi
if ! command -v valgrind >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update && apt-get install -y --no-install-recommends valgrind
fi

work=$(mktemp -d /var/tmp/nest-order.XXXXXX)
chmod 0711 "$work"
export NEST_DIR=$work/nest
mkdir -m 0711 "$NEST_DIR"
"$nestd" >"$work/nestd.out" 2>&1 &
nestd_pid=$!
cleanup() {
  "$nest" delete -f o1 >/dev/null 2>&1 || true
  "$nest" delete -f o2 >/dev/null 2>&1 || true
  kill -TERM "$nestd_pid" 2>/dev/null || true
  wait "$nestd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$NEST_DIR/unix.socket" ] && break; sleep 0.1; done
# Build the image cache outside the measurement: only the common paths count.
"$nest" launch builtin:busybox o1 >/dev/null

# Most important first: exec's functions lead the file.
n=0
record() {
  n=$((n + 1))
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg.$n" "$nest" "$@" \
    >/dev/null 2>&1 </dev/null
}
record exec o1 -- true
record launch builtin:busybox o2
record list
record info o1
record stop -f o2
record start o2
record delete -f o2
record config get images.auto_update_interval

# What valgrind cannot show: glibc picks its string functions for the CPU
# (IFUNC). Every resolver runs at each start, and valgrind's virtual CPU gets
# the AVX2 or SSE2 variants where this one runs the EVEX or AVX-512 ones: list
# the resolvers, and each variant of every string function that was called.
recorded=$(for i in $(seq "$n"); do grep -oP '^c?fn=\(\d+\) \K.*' "$work/cg.$i"; done |
  grep -v -e '^0x' -e "'" -e '^(below main)$' | awk '!seen[$0]++')
symbols=$(nm "$nest" | awk '$2 ~ /^[tTwW]$/ {print $3}')
resolvers=$(grep '_ifunc$' <<<"$symbols" || true)
variants=$(grep -oP '^__[a-z0-9]+(?=_(sse2|sse4|ssse3|avx|avx2|evex|avx512)(_|$))' <<<"$recorded" |
  sort -u | while read -r base; do grep -E "^${base}_(evex|avx512)" <<<"$symbols" || true; done)
{
  echo "# nest's functions in the order its commands first run them (exec, launch, list,"
  echo "# info, stop, start, delete, config), after glibc's IFUNC resolvers and the CPU"
  echo "# variants of its string functions: the link lays them out first. Regenerate"
  echo "# with tools/link-order/generate.sh; see src/cli/CMakeLists.txt."
  printf '%s\n' "$resolvers" "$variants" "$recorded" | grep -v '^$' | awk '!seen[$0]++'
} >"$out"
echo "wrote $out ($(grep -vc '^#' "$out") symbols)"
