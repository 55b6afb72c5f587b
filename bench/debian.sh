#!/bin/bash
# builtin:debian/bookworm (systemd) in nest beside LXD 5.0.2 with the same image:
#   create   from the image already in the store (nest: O(1) overlay; LXD's dir
#            pool unpacks and shifts the rootfs per container)
#   start    until `systemctl is-system-running` answers running (or degraded)
#   stop     clean (systemd's own shutdown; nest sends SIGRTMIN+3)
# Prints each run and the medians (ms). Not part of CI.
#
# Run as root:   sudo bash bench/debian.sh
# Env: RUNS (5), NEST_BIN (dir with nestd, nest, nest-monitor; default
#      <repo>/build/src/*), NEST_BUILTIN_CACHE (reuse a built image; default
#      /var/tmp/nest-bench/builtin-cache), PEERS ("lxd" or "" to skip LXD;
#      LXD is started with bench/lxd-up.sh when not running)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
B=/var/tmp/nest-bench
RUNS=${RUNS:-5}
PEERS=${PEERS-lxd}
export NEST_BUILTIN_CACHE=${NEST_BUILTIN_CACHE:-$B/builtin-cache}
[ "$(id -u)" = 0 ] || { echo "bench/debian.sh: run as root" >&2; exit 1; }
mkdir -p "$B"

if [ -z "${NEST_BIN:-}" ]; then
  NEST_BIN=$B/debian-bin
  mkdir -p "$NEST_BIN"
  cp "$repo/build/src/daemon/nestd" "$repo/build/src/cli/nest" "$repo/build/src/monitor/nest-monitor" "$NEST_BIN/"
fi
export NEST_DIR=$B/nest-debian
mkdir -p -m 0711 "$NEST_DIR"
N="$NEST_BIN/nest"
now() { date +%s%N; }
ms() { echo $((($(now) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
nest_up() { curl -sf --max-time 2 --unix-socket "$NEST_DIR/unix.socket" http://nest/1.0 >/dev/null 2>&1; }
nest_up || "$NEST_BIN/nestd" --detach
for i in $(seq 1 50); do nest_up && break; sleep 0.1; done

# wait_running CMD...: polls `CMD systemctl is-system-running` until running/degraded
wait_running() {
  local s i
  for i in $(seq 1 600); do
    s=$("$@" systemctl is-system-running 2>/dev/null </dev/null || true)
    case $s in running | degraded) return 0 ;; esac
    sleep 0.02
  done
  echo "never running (last: $s)" >&2
  return 1
}

echo "== nest: the image (built on first use, or imported from $NEST_BUILTIN_CACHE)"
"$N" delete -f nd0 >/dev/null 2>&1 || true
t=$(now)
"$N" init builtin:debian/bookworm nd0
echo "first init (build or import): $(ms "$t") ms"
FP=$(curl -sf --unix-socket "$NEST_DIR/unix.socket" 'http://nest/1.0/images?recursion=1' |
  jq -r '.metadata[] | select(.update_source.alias == "debian/bookworm") | .fingerprint')
"$N" delete nd0

declare -a nc ns nt
for r in $(seq 1 "$RUNS"); do
  c=nd$r
  "$N" delete -f "$c" >/dev/null 2>&1 || true
  t=$(now); "$N" init "$FP" "$c" >/dev/null; nc+=("$(ms "$t")")
  t=$(now); "$N" start "$c"; wait_running "$N" exec "$c" --; ns+=("$(ms "$t")")
  t=$(now); "$N" stop "$c"; nt+=("$(ms "$t")")
  grep 'stopped:' "$NEST_DIR/containers/$c/nest.log" | tail -n1 | sed "s/^/  $c /"
  echo "nest run $r: create ${nc[-1]} ms, start→running ${ns[-1]} ms, clean stop ${nt[-1]} ms"
  "$N" delete "$c"
done
NC=$(printf '%s\n' "${nc[@]}" | median)
NS=$(printf '%s\n' "${ns[@]}" | median)
NT=$(printf '%s\n' "${nt[@]}" | median)

LC=- LS=- LT=-
if [[ " $PEERS " == *" lxd "* ]] && command -v lxc >/dev/null; then
  unset LXD_DIR
  bash "$here/lxd-up.sh" >/dev/null
  if ! lxc image info nest-deb12 >/dev/null 2>&1; then
    echo "== LXD: importing the same image (nest's file, fingerprint $FP)"
    lxc image import "$NEST_DIR/images/$FP" --alias nest-deb12
  fi
  declare -a lc ls lt
  for r in $(seq 1 "$RUNS"); do
    c=ld$r
    lxc delete -f "$c" >/dev/null 2>&1 || true
    t=$(now); lxc init nest-deb12 "$c" >/dev/null; lc+=("$(ms "$t")")
    t=$(now); lxc start "$c"; wait_running lxc exec "$c" --; ls+=("$(ms "$t")")
    t=$(now); lxc stop "$c"; lt+=("$(ms "$t")")
    echo "lxd run $r: create ${lc[-1]} ms, start→running ${ls[-1]} ms, clean stop ${lt[-1]} ms"
    lxc delete "$c"
  done
  LC=$(printf '%s\n' "${lc[@]}" | median)
  LS=$(printf '%s\n' "${ls[@]}" | median)
  LT=$(printf '%s\n' "${lt[@]}" | median)
fi

echo
echo "| builtin:debian/bookworm (medians of $RUNS, ms) | nest | LXD 5.0.2 |"
echo "|---|---:|---:|"
echo "| create from the stored image | $NC | $LC |"
echo "| start until is-system-running = running | $NS | $LS |"
echo "| clean stop | $NT | $LT |"
