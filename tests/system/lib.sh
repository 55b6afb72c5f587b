# shellcheck shell=bash
# Shared helpers for nest system tests (sourced, not run).
#
# A test file does:
#   . "$(dirname "$0")/lib.sh"
#   nest_setup            # skip (exit 77) unless root + binaries; start a private nestd
#   ...checks...          # ok/bad/expect_* record results and never exit
#   finish                # exit 0 if every check passed, 1 otherwise
#
# Each test gets its own NEST_DIR under /tmp and its own nestd; an EXIT trap
# force-deletes every container, stops nestd, kills leftover nest-monitor
# processes of that NEST_DIR, unmounts what is left under it and removes it.
#
# Env: NEST_BIN_DIR  build dir (…/src/daemon/nestd) or a dir holding nestd, nest
#                    and nest-monitor side by side (e.g. /usr/local/bin).
#      NEST_TEST_TIMEOUT  seconds allowed for one CLI call (default 60).
#      NEST_TEST_KEEP=1   keep the state dir for inspection.

set -uo pipefail
export LC_ALL=C

TEST_NAME=$(basename "$0" .sh)
TMO=${NEST_TEST_TIMEOUT:-60}
FAILS=0
CHECKS=0
NESTD_PID=
W=
NEST_DIR=
declare -a CREATED=()

log() { echo "# $*"; }
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
bad() {
  CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1))
  echo "not ok - $*"
}
skip() { echo "SKIP ($TEST_NAME): $*"; exit 77; }
# die: a failed check after which the rest of the test cannot make sense.
die() { bad "$*"; echo "aborting $TEST_NAME"; exit 1; }
not() { ! "$@"; }
check() { # check "description" cmd...: ok when cmd succeeds
  local d=$1; shift
  if "$@"; then ok "$d"; else bad "$d"; fi
}

finish() {
  if ((FAILS)); then
    echo "$TEST_NAME: $FAILS of $CHECKS checks failed"
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed"
  exit 0
}

# --- binaries ---------------------------------------------------------------
find_bin() { # find_bin NAME SUBDIR
  local d=${NEST_BIN_DIR:-}
  for p in "$d/src/$2/$1" "$d/$1" "$d/bin/$1"; do
    [ -n "$d" ] && [ -x "$p" ] && { echo "$p"; return 0; }
  done
  [ -z "$d" ] && command -v "$1" 2>/dev/null
}

require_root() { [ "$(id -u)" = 0 ] || skip "needs root (system tests run real containers)"; }
require_cmd() { for c in "$@"; do command -v "$c" >/dev/null || skip "needs $c"; done; }

# --- private daemon -----------------------------------------------------------
nest_setup() {
  require_root
  require_cmd curl jq timeout
  local d c m
  d=$(find_bin nestd daemon) || skip "nestd not found (NEST_BIN_DIR=${NEST_BIN_DIR:-unset})"
  c=$(find_bin nest cli) || skip "nest not found (NEST_BIN_DIR=${NEST_BIN_DIR:-unset})"
  m=$(find_bin nest-monitor monitor) || skip "nest-monitor not found (NEST_BIN_DIR=${NEST_BIN_DIR:-unset})"
  W=$(mktemp -d /tmp/nest-test.XXXXXX) || die "mktemp"
  # Container roots are traversed by the mapped (unprivileged) root: 0711 like LXD.
  chmod 0711 "$W"
  trap nest_cleanup EXIT
  trap 'exit 130' INT TERM
  # nestd finds nest-monitor next to its own executable: give it that layout.
  mkdir -p "$W/bin"
  cp "$d" "$W/bin/nestd" && cp "$c" "$W/bin/nest" && cp "$m" "$W/bin/nest-monitor" \
    || die "copying binaries to $W/bin"
  NESTD=$W/bin/nestd NEST=$W/bin/nest MONITOR=$W/bin/nest-monitor
  export NEST_DIR=$W/nest
  mkdir -m 0711 "$NEST_DIR"
  unset NEST_SOCKET LXD_DIR
  # The CLI's remotes file and client certificate: the test's own, never root's.
  export NEST_CONF_DIR=$W/conf
  log "$TEST_NAME: NEST_DIR=$NEST_DIR nestd=$d"
  if [ "${1:-}" != --no-daemon ]; then
    start_nestd || die "nestd did not start"
  fi
}

sock_answers() {
  curl -sf --max-time 2 --unix-socket "$NEST_DIR/unix.socket" http://nest/1.0 >/dev/null 2>&1
}

# start_nestd [extra args]: foreground nestd in the background, bounded wait for the socket.
start_nestd() {
  "$NESTD" --foreground --debug "$@" >>"$W/nestd.out" 2>&1 </dev/null &
  NESTD_PID=$!
  local i
  for i in $(seq 1 100); do
    sock_answers && return 0
    kill -0 "$NESTD_PID" 2>/dev/null || { log "nestd exited:"; tail -20 "$W/nestd.out"; return 1; }
    sleep 0.1
  done
  log "socket $NEST_DIR/unix.socket did not answer within 10 s"; tail -20 "$W/nestd.out"
  return 1
}

# start_peer_nestd DIR: a second nestd with NEST_DIR=DIR (created 0711), output in
# $W/nestd-<basename DIR>.out, bounded wait for its socket; sets PEER_NESTD_PID.
# nest_cleanup stops it with the test's own nestd (same binary under $W/bin).
start_peer_nestd() {
  local dir=$1 out=$W/nestd-${1##*/}.out i
  mkdir -p "$dir" && chmod 0711 "$dir" || return 1
  NEST_DIR=$dir "$NESTD" --foreground >>"$out" 2>&1 </dev/null &
  PEER_NESTD_PID=$!
  for i in $(seq 1 100); do
    curl -sf --max-time 2 --unix-socket "$dir/unix.socket" http://peer/1.0 >/dev/null 2>&1 && return 0
    kill -0 "$PEER_NESTD_PID" 2>/dev/null || { log "peer nestd exited:"; tail -20 "$out"; return 1; }
    sleep 0.1
  done
  log "socket $dir/unix.socket did not answer within 10 s"; tail -20 "$out"
  return 1
}

# free_port: a TCP port on 127.0.0.1 that was free a moment ago
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# pids of processes named $1 that belong to this test (exe in $W/bin, or NEST_DIR in env/cmdline)
our_pids() {
  local p exe
  for p in $(pgrep -x "$1" 2>/dev/null); do
    exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
    # (an empty NEST_DIR would match every process on the machine)
    if [[ -n $W && $exe == "$W/bin/"* ]] || { [ -n "$NEST_DIR" ] && {
      tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "NEST_DIR=$NEST_DIR" ||
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$NEST_DIR"; }; }; then
      echo "$p"
    fi
  done
}

# Our nest-monitor processes: the spares nestd starts ahead (waiting for a
# container, command line "nest-monitor --spare"), and the rest.
is_spare() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q '^nest-monitor --spare'; }
spare_monitors() { local p; for p in $(our_pids nest-monitor); do is_spare "$p" && echo "$p"; done; }
container_monitors() { local p; for p in $(our_pids nest-monitor); do is_spare "$p" || echo "$p"; done; }

stop_nestd() { # graceful, then kill
  local pids p i
  pids="$NESTD_PID $(our_pids nestd)"
  for p in $pids; do kill -TERM "$p" 2>/dev/null; done
  for i in $(seq 1 50); do
    local alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
  [ -n "$NESTD_PID" ] && wait "$NESTD_PID" 2>/dev/null
  NESTD_PID=
  return 0
}

# alive PID: running (zombies waiting for a reaper count as gone)
alive() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

descendants() { # all descendants of $1, deepest last
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$c"; descendants "$c"
  done
}

nest_cleanup() {
  local rc=$? n p
  trap - EXIT
  [ -z "$W" ] && exit $rc
  if ((rc != 0 && rc != 77)) || ((FAILS)); then
    log "---- last lines of nestd output ($W/nestd.out, \$NEST_DIR/nestd.log)"
    tail -n 40 "$W/nestd.out" 2>/dev/null | sed 's/^/#   /'
    tail -n 20 "$NEST_DIR/nestd.log" 2>/dev/null | sed 's/^/#   /'
  fi
  if sock_answers; then
    for n in $(list_names) "${CREATED[@]}"; do
      timeout -k 2 30 "$NEST" delete -f "$n" >/dev/null 2>&1
    done
  fi
  stop_nestd
  for p in $(our_pids nest-monitor); do
    for c in $(descendants "$p") "$p"; do kill -KILL "$c" 2>/dev/null; done
  done
  # Cgroups of containers whose monitor had to be killed above (nestd logs its
  # prefix at start): deepest first, plain rmdir (a busy one stays).
  local prefix
  prefix=$(sed -n 's/.*cgroups under \(nest[-0-9a-f]*\)\/).*/\1/p' "$W/nestd.out" 2>/dev/null | tail -1)
  if [ -n "$prefix" ]; then
    local try
    for try in $(seq 1 20); do # the killed processes take a moment to leave
      find /sys/fs/cgroup/*/"$prefix" -depth -type d -exec rmdir {} + 2>/dev/null
      compgen -G "/sys/fs/cgroup/*/$prefix" >/dev/null || break
      sleep 0.1
    done
  fi
  # Lazy-unmount anything left under the test dir, deepest first.
  awk -v w="$W/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ "${NEST_TEST_KEEP:-0}" = 1 ]; then
    log "kept $W"
  else
    rm -rf --one-file-system "$W" 2>/dev/null || log "could not remove all of $W"
  fi
  exit $rc
}

# --- CLI and API -----------------------------------------------------------------
# nest ARGS: the CLI, bounded. RC/OUT style helpers below capture output.
nest() { timeout -k 5 "$TMO" "$NEST" "$@"; }

# run CMD...: sets RC and OUT (stdout+stderr)
run() {
  OUT=$("$@" 2>&1)
  RC=$?
  return 0
}

# expect_ok "description" cmd...
expect_ok() {
  local d=$1; shift
  run "$@"
  if ((RC == 0)); then ok "$d"; else bad "$d: exit $RC: $(head -c 600 <<<"$OUT")"; fi
  return $RC
}

# expect_fail "regex" cmd...: non-zero exit and output matching regex (grep -Ei)
expect_fail() {
  local re=$1; shift
  run "$@"
  local d="refused: $* (wants /$re/)"
  if ((RC == 0)); then
    bad "$d: exit 0 — $(head -c 300 <<<"$OUT")"; return 1
  elif ((RC == 124 || RC == 137)); then
    bad "$d: timed out"; return 1
  elif ! grep -Eiq -- "$re" <<<"$OUT"; then
    bad "$d: exit $RC but message was: $(head -c 400 <<<"$OUT")"; return 1
  fi
  ok "$d → exit $RC: $(head -n1 <<<"$OUT" | head -c 160)"
}

# expect_eq "description" expected actual
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1 (= '$2')"; else bad "$1: expected '$2', got '$(head -c 400 <<<"$3")'"; fi
}

# expect_match "description" regex text
expect_match() {
  if grep -Eiq -- "$2" <<<"$3"; then ok "$1"; else bad "$1: /$2/ not in: $(head -c 500 <<<"$3")"; fi
}

# api METHOD PATH [curl args...]: sets API_CODE and API_BODY (and API_HEADERS)
api() {
  local m=$1 p=$2; shift 2
  API_CODE=$(timeout -k 2 30 curl -sS --unix-socket "$NEST_DIR/unix.socket" \
    -D "$W/api.headers" -o "$W/api.body" -w '%{http_code}' -X "$m" "$@" "http://nest$p" 2>"$W/api.err") ||
    API_CODE=000
  API_BODY=$(cat "$W/api.body" 2>/dev/null)
  API_HEADERS=$(cat "$W/api.headers" 2>/dev/null)
  return 0
}

list_names() {
  api GET /1.0/instances
  jq -r '.metadata[]? | sub(".*/"; "") | sub("\\?.*"; "")' <<<"$API_BODY" 2>/dev/null
}

status_of() { # Running / Stopped / "" when absent
  api GET "/1.0/instances/$1"
  [ "$API_CODE" = 200 ] && jq -r '.metadata.status // empty' <<<"$API_BODY" 2>/dev/null
}

init_pid() {
  api GET "/1.0/instances/$1/state"
  local p
  p=$(jq -r '.metadata.pid // empty' <<<"$API_BODY" 2>/dev/null)
  [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != -1 ] && echo "$p"
}

# monitor_pid NAME: nearest ancestor of the container's init named nest-monitor
monitor_pid() {
  local p
  p=$(init_pid "$1") || return 1
  for _ in 1 2 3 4 5; do
    p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ') || return 1
    [ -z "$p" ] || [ "$p" = 0 ] && return 1
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = nest-monitor ] && { echo "$p"; return 0; }
  done
  container_monitors | head -n1
}

# wait_status NAME STATUS [seconds]
wait_status() {
  local i s
  for i in $(seq 1 $((${3:-15} * 10))); do
    s=$(status_of "$1")
    [ "${s,,}" = "${2,,}" ] && return 0
    sleep 0.1
  done
  return 1
}

# launch NAME [image]: launch and record for cleanup; dies if it fails
launch() {
  CREATED+=("$1")
  run nest launch "${2:-builtin:busybox}" "$1"
  ((RC == 0)) || die "nest launch ${2:-builtin:busybox} $1: exit $RC: $OUT"
  wait_status "$1" Running 15 || die "$1 not Running after launch (status '$(status_of "$1")')"
}

# nexec NAME CMD...: nest exec with stdin from /dev/null; sets RC and OUT (stdout only), ERR
nexec() {
  local n=$1; shift
  OUT=$(nest exec "$n" -- "$@" </dev/null 2>"$W/exec.err")
  RC=$?
  ERR=$(cat "$W/exec.err")
  return 0
}

# gone_from NAME PATTERN: true once no process in container NAME matches
# PATTERN in its `ps` (5 s at most)
gone_from() {
  for _ in $(seq 50); do
    nexec "$1" ps
    grep -q "$2" <<<"$OUT" || return 0
    sleep 0.1
  done
  return 1
}

# tiny_image NAME: $W/NAME.tar.gz, a unified image of one file (rootfs/name = NAME)
# with properties.os = NAME; for tests of the image API, not for containers.
tiny_image() {
  local d=$W/img-$1
  mkdir -p "$d/rootfs"
  printf 'architecture: %s\ncreation_date: 1700000000\nproperties:\n  os: %s\n  description: %s image\n' \
    "$(uname -m)" "$1" "$1" >"$d/metadata.yaml"
  echo "$1" >"$d/rootfs/name"
  tar -C "$d" --numeric-owner -czf "$W/$1.tar.gz" metadata.yaml rootfs
}

# host_subid FILE: "base size" of root's first entry with >= 65536 ids
host_subid() {
  awk -F: '$1 == "root" && $3 >= 65536 { print $2, $3; exit }' "$1" 2>/dev/null
}

# require_root_subids: sets ubase usize gbase gsize from root's delegation
# (NEST_SUBUID_FILE / NEST_SUBGID_FILE or /etc/sub[ug]id); skips without one.
require_root_subids() {
  read -r ubase usize < <(host_subid "${NEST_SUBUID_FILE:-/etc/subuid}")
  read -r gbase gsize < <(host_subid "${NEST_SUBGID_FILE:-/etc/subgid}")
  [ -n "${ubase:-}" ] && [ -n "${gbase:-}" ] ||
    skip "no root entry with >= 65536 ids in /etc/subuid or /etc/subgid (run scripts/setup.sh)"
}

# le32_hex N: N as 8 hex digits, little-endian (as in xattr values)
le32_hex() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/'; }

# cgroup paths (one per hierarchy line of /proc/PID/cgroup) → "mountpoint/path" dirs on the host
cgroup_dirs_of() {
  local pid=$1 line ctrls path mnt
  while IFS= read -r line; do
    ctrls=$(cut -d: -f2 <<<"$line"); path=$(cut -d: -f3- <<<"$line")
    mnt=$(cgroup_mount_for "$ctrls") || continue
    echo "$mnt$path"
  done <"/proc/$pid/cgroup"
}

# cgroup_mount_for CONTROLLERS ("" for v2, "cpu", "name=systemd", "cpu,cpuacct"…)
cgroup_mount_for() {
  local want=$1
  awk -v want="$want" '
    $3 == "cgroup2" && want == "" { print $2; exit }
    $3 == "cgroup" && want != "" {
      n = split(want, w, ","); found = 1
      for (i = 1; i <= n; i++) if (index("," $4 ",", "," w[i] ",") == 0) found = 0
      if (found) { print $2; exit }
    }' /proc/self/mounts
}

# --- a fixture image for storage tests -----------------------------------------------
# make_fixture_image OUT.tar.gz: the bench busybox image plus files whose
# ownership a storage driver must get right: /opt/owned (1000:1001, user.note
# xattr), /opt/suid (busybox, mode 4755), /opt/cap/busybox (with file
# capability cap_net_raw+ep), /opt/acl (POSIX ACL granting uid 1000 read;
# image import drops it today: tests set it on a container's copy),
# /opt/link (symlink owned 1000:1000), /opt/dir/sub/deep (nested),
# /opt/hard (hard link of /opt/owned). Fixture tree left in $W/fixture/work.
FIXTURE_ACL=0x0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000400ffffffff
make_fixture_image() {
  local out=$1 src R
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  OUT=$W/fixture bash "$src/bench/build-image.sh" >/dev/null 2>&1 || return 1
  R=$W/fixture/work/rootfs
  mkdir -p "$R/opt/dir/sub"
  echo owned >"$R/opt/owned" && chown 1000:1001 "$R/opt/owned"
  setfattr -n user.note -v hello "$R/opt/owned" || return 1
  ln "$R/opt/owned" "$R/opt/hard"
  echo deep >"$R/opt/dir/sub/deep" && chown 2000:2000 "$R/opt/dir/sub/deep" "$R/opt/dir"
  cp /bin/busybox "$R/opt/suid" && chmod 4755 "$R/opt/suid"
  mkdir -p "$R/opt/cap"  # named busybox: the applet comes from argv[1]
  cp /bin/busybox "$R/opt/cap/busybox" && setcap cap_net_raw+ep "$R/opt/cap/busybox" || return 1
  echo acl >"$R/opt/acl" && setfattr -n system.posix_acl_access -v "$FIXTURE_ACL" "$R/opt/acl" || return 1
  ln -s /etc/passwd "$R/opt/link" && chown -h 1000:1000 "$R/opt/link"
  (cd "$W/fixture/work" && tar --sort=name --numeric-owner --xattrs --xattrs-include='*' --acls \
    -czf "$out" metadata.yaml templates rootfs)
}

# walk_order DIR: the entries below DIR in nest's walk order (pre-order, names
# sorted bytewise), one relative path a line; the root itself is not listed.
walk_order() {
  local d=$1 p=${2:-} n
  while IFS= read -r n; do
    echo "$p$n"
    [ -d "$d/$n" ] && [ ! -L "$d/$n" ] && walk_order "$d/$n" "$p$n/"
  done < <(ls -A "$d" | LC_ALL=C sort)
}
