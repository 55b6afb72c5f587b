#!/bin/bash
# After delete nothing is left: no mount, no cgroup, no directory, no row, no process.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd sqlite3

leftovers() { # NAME INITPID MONPID CGDIRS...: prints what is left
  local n=$1 pid=$2 mon=$3; shift 3
  grep -hF "$NEST_DIR/containers/$n" /proc/self/mountinfo /proc/1/mountinfo 2>/dev/null | sed 's/^/mount: /'
  for d in "$@"; do [ -d "$d" ] && echo "cgroup dir: $d"; done
  [ -e "$NEST_DIR/containers/$n" ] && echo "directory: $NEST_DIR/containers/$n"
  local rows
  rows=$(sqlite3 "$NEST_DIR/nest.db" "SELECT count(*) FROM instances WHERE name = '$n';" 2>&1)
  [ "$rows" != 0 ] && echo "sqlite instances rows for $n: $rows"
  [ -n "$pid" ] && alive "$pid" && echo "process: init $pid"
  [ -n "$mon" ] && alive "$mon" && echo "process: monitor $mon"
  for p in $(pgrep -x nest-monitor); do
    alive "$p" || continue
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE "(^| |/)$n( |$)" &&
      [[ $(readlink "/proc/$p/exe") == "$W/bin/"* ]] && echo "process: monitor $p for $n"
  done
}

for how in running-f stopped; do
  n=d-$how
  n=${n//-f/f}
  launch "$n"
  pid=$(init_pid "$n")
  mon=$(monitor_pid "$n")
  mapfile -t cgs < <(cgroup_dirs_of "$pid")
  log "$n: init $pid monitor ${mon:-?}; cgroups: ${cgs[*]}"
  nexec "$n" sh -c 'echo data > /root/file'
  check "$n: the db has a row while it exists" \
    test "$(sqlite3 "$NEST_DIR/nest.db" "SELECT count(*) FROM instances WHERE name = '$n';" 2>&1)" = 1
  check "$n: the container dir exists while it exists" test -d "$NEST_DIR/containers/$n"
  if [ "$how" = stopped ]; then
    expect_fail "running|stop|force|-f" nest delete "$n"
    expect_eq "$n still Running after a refused delete" Running "$(status_of "$n")"
    expect_ok "stop $n" nest stop -f "$n"
    expect_ok "delete $n (stopped)" nest delete "$n"
  else
    expect_ok "delete -f $n (running)" nest delete -f "$n"
  fi
  sleep 0.3
  left=$(leftovers "$n" "$pid" "$mon" "${cgs[@]}")
  if [ -z "$left" ]; then ok "$n: nothing left after delete"; else bad "$n: left after delete: $left"; fi
  expect_eq "$n: GET after delete is 404" "" "$(status_of "$n")"
done

# Deleting does not disturb the neighbours.
launch keep
launch gone
kp=$(init_pid keep)
expect_ok "delete -f gone" nest delete -f gone
check "neighbour 'keep' still running (init $kp)" alive "$kp"
nexec keep true
expect_eq "exec in neighbour after delete" 0 "$RC"

# delete of something that does not exist
expect_fail "not found|no such|does not exist" nest delete no-such-one
finish
