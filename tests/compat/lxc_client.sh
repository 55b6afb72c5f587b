#!/bin/bash
# The stock LXD client (Debian's lxd-client) against nestd.
. "$(dirname "$0")/../system/lib.sh"
require_root
command -v lxc >/dev/null || skip "lxc (package lxd-client) not installed"
nest_setup
export LXD_DIR=$NEST_DIR LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_CONF"
L() { timeout -k 5 "$TMO" lxc "$@"; }
L remote list >/dev/null 2>&1 # first run in a fresh LXD_CONF prints a welcome hint

launch c1
run L list
expect_eq "lxc list exits 0" 0 "$RC"
expect_match "lxc list shows c1 RUNNING" 'c1 *\| *RUNNING' "$OUT"
run L list --format json
expect_eq "lxc list --format json: c1 Running" Running "$(jq -r '.[] | select(.name=="c1") | .status' <<<"$OUT" 2>&1)"
run L list --format csv -c ns
expect_eq "lxc list --format csv -c ns" "c1,RUNNING" "$OUT"
run L info c1
expect_eq "lxc info c1 exits 0" 0 "$RC"
expect_match "lxc info c1: Status RUNNING" 'status: *running' "$OUT"
expect_match "lxc info c1: PID" 'pid: *[0-9]+' "$OUT"

run L exec c1 -- sh -c 'exit 3'
expect_eq "lxc exec … exit 3 → 3" 3 "$RC"
run L exec c1 -- sh -c 'echo hello'
expect_eq "lxc exec output" hello "$OUT"
OUT=$(echo piped | timeout -k 2 20 lxc exec c1 -- cat 2>&1); RC=$?
expect_eq "lxc exec stdin" piped "$OUT"
run L exec c1 -- sh -c 'kill -9 $$'
expect_eq "lxc exec killed by signal 9 → 137" 137 "$RC"
run L exec c1 -- /no/such/cmd
expect_eq "lxc exec missing command → 127" 127 "$RC"
# lxc exec killed mid-command: its control stream closes and nestd kills the command.
timeout -s KILL 3 lxc exec c1 -- sleep 33 </dev/null >/dev/null 2>&1
check "lxc exec killed: its command (sleep 33) is killed too" gone_from c1 "sleep 33"

# events: lxc monitor sees lifecycle events of a stop/start
L monitor --type=lifecycle --format=json >"$W/events" 2>&1 &
mpid=$!
sleep 0.5
expect_ok "lxc stop -f c1" L stop -f c1
run L list --format csv -c ns
expect_eq "lxc sees c1 STOPPED" "c1,STOPPED" "$OUT"
expect_ok "lxc start c1" L start c1
run L list --format csv -c ns
expect_eq "lxc sees c1 RUNNING" "c1,RUNNING" "$OUT"
expect_ok "lxc restart -f c1" L restart -f c1
sleep 0.5
kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null
expect_match "lxc monitor saw instance-started" 'instance-started' "$(cat "$W/events")"
expect_match "lxc monitor saw instance-stopped" 'instance-stopped' "$(cat "$W/events")"

expect_ok "lxc config set images.auto_update_interval 12" L config set images.auto_update_interval 12
run L config get images.auto_update_interval
expect_eq "lxc config get images.auto_update_interval" 12 "$OUT"
run nest config get images.auto_update_interval
expect_eq "nest sees what lxc set" 12 "$OUT"
expect_fail "images.auto_update_interval|abc" L config set images.auto_update_interval abc
expect_ok "lxc config unset images.auto_update_interval" L config unset images.auto_update_interval

# images: the cached builtin image is visible, and the stock client can create from it
run L image list --format json
expect_eq "lxc image list exits 0" 0 "$RC"
fp=$(jq -r '.[0].fingerprint // empty' <<<"$OUT" 2>/dev/null)
if [ -n "$fp" ]; then
  ok "lxc image list shows the cached image ${fp:0:12}"
  CREATED+=(c2)
  expect_ok "lxc launch <fingerprint> c2" L launch "$fp" c2
  expect_eq "c2 Running" Running "$(status_of c2)"
  expect_ok "lxc delete -f c2" L delete -f c2
else
  bad "lxc image list shows no image after a builtin:busybox launch: $(head -c 300 <<<"$OUT")"
fi
expect_fail "running|stop|force" L delete c1
expect_ok "lxc stop c1 (graceful)" L stop c1
expect_ok "lxc delete c1" L delete c1
run L list --format csv
expect_eq "lxc list is empty" "" "$OUT"
finish
