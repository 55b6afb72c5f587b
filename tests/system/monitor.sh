#!/bin/bash
# Each running container has its own monitor, independent of nestd:
# kill -9 nestd → containers keep running → a restarted nestd sees them RUNNING
# and exec works. An init killed from the host → STOPPED, and the log says why.
. "$(dirname "$0")/lib.sh"
nest_setup
launch m1
launch m2

pid=$(init_pid m1) || die "no init pid for m1"
mon=$(monitor_pid m1)
if [ -n "$mon" ]; then
  ok "m1 has a nest-monitor process ($mon)"
  sid=$(ps -o sid= -p "$mon" | tr -d ' ')
  nsid=$(ps -o sid= -p "$NESTD_PID" | tr -d ' ')
  check "the monitor is in its own session ($sid), not nestd's ($nsid) nor ours ($(ps -o sid= -p $$ | tr -d ' '))" \
    test -n "$sid" -a "$sid" != "$nsid" -a "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')"
  # nestd's own child (one spawn, no second fork), reaped by nestd when it exits:
  # its session, not its parent, makes it independent (kill -9 below).
  check "the monitor's parent is nestd (its reaper)" test "$(ps -o ppid= -p "$mon" | tr -d ' ')" = "$NESTD_PID"
  mon2=$(monitor_pid m2)
  check "m2 has a monitor of its own ($mon2 vs $mon)" test -n "$mon2" -a "$mon2" != "$mon"
else
  bad "no nest-monitor ancestor of m1's init ($pid); nest-monitor processes: $(pgrep -a -x nest-monitor | head -5)"
fi

# The spare: nestd keeps one monitor started ahead of the next launch, at idle
# priority; the monitor it gives a container shows which one.
policy() { awk '$1 == "policy" {print $3}' "/proc/$1/sched" 2>/dev/null; } # 0 normal, 5 idle
wait_spare() { for _ in $(seq 50); do [ -n "$(spare_monitors)" ] && return 0; sleep 0.1; done; return 1; }
wait_spare
spare=$(spare_monitors)
expect_eq "one spare monitor waits for the next launch" 1 "$(wc -w <<<"$spare")"
if [ -n "$spare" ]; then
  check "the spare is nestd's child" test "$(ps -o ppid= -p "$spare" | tr -d ' ')" = "$NESTD_PID"
  expect_eq "the spare waits at idle priority (SCHED_IDLE)" 5 "$(policy "$spare")"
  sinit=$(pgrep -P "$spare" -x nest-init)
  check "the spare's init (nest-init) waits in a user namespace of its own" \
    test -n "$sinit" -a "$(readlink "/proc/$sinit/ns/user")" != "$(readlink /proc/self/ns/user)"
  check "the spare and its init hold no copy of the host's mounts (host mount namespace)" \
    test "$(readlink "/proc/$spare/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" -a \
    "$(readlink "/proc/$sinit/ns/mnt")" = "$(readlink /proc/self/ns/mnt)"
fi
if [ -n "$mon" ]; then
  expect_eq "m1's monitor shows its container in its command line" \
    "nest-monitor $NEST_DIR/containers/m1" "$(tr '\0' ' ' <"/proc/$mon/cmdline" | sed 's/ *$//')"
  expect_eq "m1's monitor runs at normal priority (SCHED_OTHER)" 0 "$(policy "$mon")"
fi
expect_eq "m1's init runs at normal priority, not the spare's idle one" 0 "$(policy "$pid")"
launch m3
expect_eq "m3's init runs at normal priority" 0 "$(policy "$(init_pid m3)")"
if [ -n "$spare" ]; then
  expect_eq "m3's monitor is the spare that waited" "$spare" "$(monitor_pid m3)"
  wait_spare
  check "a new spare waits after m3 took the last one" test -n "$(spare_monitors)" -a "$(spare_monitors)" != "$spare"
fi
expect_ok "delete m3" nest delete -f m3
# A privileged container: the spare's init (cloned with a user namespace) is
# replaced by one without; its mounts stay inside it all the same.
CREATED+=(mpriv)
expect_ok "launch a privileged container" nest launch builtin:busybox mpriv -c security.privileged=true
ppid=$(init_pid mpriv)
expect_eq "the privileged init runs as host root" 0 "$(ps -o uid= -p "$ppid" | tr -d ' ')"
expect_eq "the privileged init runs at normal priority" 0 "$(policy "$ppid")"
nexec mpriv sh -c 'mkdir -p /mnt/t && mount -t tmpfs mpriv-probe /mnt/t && echo mounted'
expect_eq "a privileged container can mount" mounted "$OUT"
check "its mount does not reach the host" bash -c "! grep -q mpriv-probe /proc/self/mountinfo"
expect_ok "delete mpriv" nest delete -f mpriv
spare=$(spare_monitors)

log "kill -9 nestd ($NESTD_PID)"
kill -9 "$NESTD_PID"; wait "$NESTD_PID" 2>/dev/null; NESTD_PID=
sleep 0.5
check "m1's init ($pid) survives kill -9 of nestd" alive "$pid"
[ -n "$mon" ] && check "m1's monitor ($mon) survives kill -9 of nestd" alive "$mon"
expect_fail "nestd|daemon|running|connect" nest list
if [ -n "$spare" ]; then
  for _ in $(seq 20); do alive "$spare" || break; sleep 0.1; done
  check "the spare ($spare) exits with nestd, given no container" not alive "$spare"
fi

start_nestd || die "nestd did not restart"
run nest list --format csv
expect_match "restarted nestd lists m1 RUNNING" '^m1,RUNNING' "$OUT"
expect_match "restarted nestd lists m2 RUNNING" '^m2,RUNNING' "$OUT"
expect_eq "same init pid after nestd restart" "$pid" "$(init_pid m1)"
nexec m1 sh -c 'echo alive; exit 5'
expect_eq "exec after nestd restart: output" alive "$OUT"
expect_eq "exec after nestd restart: exit code" 5 "$RC"
expect_ok "stop -f after nestd restart" nest stop -f m2
expect_eq "m2 Stopped" Stopped "$(status_of m2)"

# A graceful nestd stop (SIGTERM) leaves containers running too.
stop_nestd
check "m1 survives a graceful nestd stop" alive "$pid"
start_nestd || die "nestd did not restart"
expect_eq "m1 still Running" Running "$(status_of m1)"

log "kill -9 m1's init ($pid) from the host"
kill -9 "$pid"
if wait_status m1 Stopped 10; then ok "m1 shown Stopped after its init was killed"; else
  bad "m1 not Stopped 10 s after its init was killed (status '$(status_of m1)')"
fi
[ -n "$mon" ] && { sleep 0.5; check "m1's monitor exited with its container" not alive $mon; }

# Why did it stop? Look in nest info, the log files, and the logs API.
why=$(nest info m1 2>&1)
for f in "$NEST_DIR/containers/m1/"*.log "$NEST_DIR/logs/m1"* "$NEST_DIR/logs/m1/"*; do
  [ -f "$f" ] && why+=$'\n'"== $f"$'\n'"$(tail -n 20 "$f")"
done
api GET /1.0/instances/m1/logs
for l in $(jq -r '.metadata[]?' <<<"$API_BODY" 2>/dev/null); do
  api GET "$l"
  why+=$'\n'"== $l"$'\n'"$(tail -n 20 <<<"$API_BODY")"
done
expect_match "the log or info says why m1 stopped (killed / signal 9)" 'sigkill|signal 9|killed|signal: *9' "$why"
log "evidence: $(grep -Ei 'sigkill|signal|killed|exit' <<<"$why" | head -3)"

expect_ok "m1 starts again after a crash" nest start m1
nexec m1 true
expect_eq "exec after restart from crash" 0 "$RC"
mon=$(monitor_pid m1)

# A monitor killed from the host takes its container with it (as LXC's does):
# no init left running for nobody, which a new start would then run beside.
nexec m1 sh -c 'sleep 300 & echo started'
pid=$(init_pid m1)
log "kill -9 m1's monitor ($mon; init $pid)"
[ -n "$mon" ] && kill -9 "$mon"
if wait_status m1 Stopped 10; then ok "m1 shown Stopped after its monitor was killed"; else
  bad "m1 not Stopped 10 s after its monitor was killed (status '$(status_of m1)')"
fi
for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
check "m1's init ($pid) died with its monitor" not alive "$pid"
expect_ok "m1 starts again after its monitor was killed" nest start m1
inits=
for p in $(pgrep -x init); do  # (a zombie, dead, may wait for PID 1 to reap it)
  grep -q "/m1\$" "/proc/$p/cgroup" 2>/dev/null && alive "$p" && inits+="$p "
done
expect_eq "one init running in m1's cgroups, not the old one beside the new ($inits)" 1 \
  "$(wc -w <<<"$inits")"
mon=$(monitor_pid m1)

# An init that exits by itself (busybox init halts on SIGUSR2/SIGPWR from inside).
nexec m1 kill -USR2 1
wait_status m1 Stopped 15 && ok "init exiting on its own → Stopped" || bad "m1 not Stopped after its init was asked to halt from inside (status '$(status_of m1)')"
# This monitor was the running nestd's child: nestd reaps it (no zombie left).
if [ -n "$mon" ]; then
  for _ in $(seq 20); do [ -e "/proc/$mon" ] || break; sleep 0.1; done
  check "m1's monitor ($mon) was reaped by nestd, no zombie left" test ! -e "/proc/$mon"
fi

# failed_launch MONITOR NAME PATTERN: a peer nestd whose monitor is MONITOR
# fails to launch NAME with an error matching PATTERN, and leaves no instance,
# no container directory and no cgroup named NAME behind.
failed_launch() {
  local monitor=$1 name=$2 pattern=$3 peer=$W/peer-$2 listed left
  if ! NEST_MONITOR=$monitor start_peer_nestd "$peer"; then
    bad "a nestd with NEST_MONITOR=$monitor did not start"
    return
  fi
  NEST_DIR=$peer expect_fail "$pattern" nest launch builtin:busybox "$name"
  listed=$(NEST_DIR=$peer nest list --format csv 2>&1)
  expect_eq "no instance left after the failed launch of $name" "" "$listed"
  check "no container directory left for $name" test ! -e "$peer/containers/$name"
  left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$name" 2>/dev/null)
  expect_eq "no cgroup left after the failed launch of $name" "" "$left"
  kill "$PEER_NESTD_PID" 2>/dev/null
  wait "$PEER_NESTD_PID" 2>/dev/null
}

# A monitor that cannot be started (not executable): the launch fails naming
# it and why.
bad_monitor=$W/not-a-monitor
echo 'not a program' >"$bad_monitor"
chmod 0644 "$bad_monitor"
failed_launch "$bad_monitor" mbad "not-a-monitor.*Permission denied"

# A monitor that starts and gives up at once: nestd has made the container's
# cgroups meanwhile (it makes them while the monitor starts); the launch fails
# with the monitor's message.
quitting_monitor=$W/quitting-monitor
printf '#!/bin/sh\necho "error the monitor gave up" >&3\nexit 1\n' >"$quitting_monitor"
chmod 0755 "$quitting_monitor"
failed_launch "$quitting_monitor" mquit "the monitor gave up"
finish
