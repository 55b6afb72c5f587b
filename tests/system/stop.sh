#!/bin/bash
# Stop semantics: `stop` asks the init to shut down (SIGPWR for busybox init,
# which sends TERM to every process before KILL); `stop -f` kills at once.
. "$(dirname "$0")/lib.sh"
nest_setup
launch s1
launch s2

# A process inside that records the SIGTERM it gets during a graceful shutdown.
arm() {
  nexec "$1" sh -c 'rm -f /root/got-term; setsid sh -c "trap \"echo term > /root/got-term; exit 0\" TERM; sleep 1000 & wait" >/dev/null 2>&1 </dev/null &'
  sleep 0.3
  nexec "$1" sh -c 'ps | grep -c "[s]leep 1000"'
  [ "${OUT:-0}" -ge 1 ] || bad "$1: the background probe process did not stay up after its exec ended"
}
marker() { find "$NEST_DIR/containers/$1" -name got-term 2>/dev/null | head -n1; }

nexec s1 cat /proc/1/cmdline
log "s1 init: $(tr '\0' ' ' <<<"$OUT")"
arm s1
pid=$(init_pid s1)
t0=$(date +%s%N)
run nest stop s1
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "graceful stop exits 0 ($ms ms)" 0 "$RC"
[ "$RC" = 0 ] || log "$OUT"
expect_eq "s1 Stopped" Stopped "$(status_of s1)"
check "s1's init ($pid) is gone" not alive $pid
check "graceful stop did not wait for a timeout (${ms} ms < 10 s)" test "$ms" -lt 10000
m=$(marker s1)
if [ -n "$m" ]; then ok "graceful stop: processes got SIGTERM first ($m)"; else
  bad "graceful stop: no process inside received SIGTERM (no got-term file under \$NEST_DIR/containers/s1)"
fi

arm s2
pid=$(init_pid s2)
t0=$(date +%s%N)
run nest stop -f s2
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "stop -f exits 0 ($ms ms)" 0 "$RC"
expect_eq "s2 Stopped" Stopped "$(status_of s2)"
check "s2's init ($pid) is gone" not alive $pid
check "stop -f is immediate (${ms} ms < 2 s)" test "$ms" -lt 2000
check "stop -f: nothing inside got a SIGTERM" test -z "$(marker s2)"

# --timeout: a bounded graceful stop still stops.
expect_ok "start s1" nest start s1
t0=$(date +%s%N)
expect_ok "stop --timeout 3 s1" nest stop --timeout 3 s1
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "s1 Stopped after stop --timeout 3" Stopped "$(status_of s1)"
check "stop --timeout 3 took at most ~4 s ($ms ms)" test "$ms" -lt 4500

# restart of a running container goes through a graceful stop too
expect_ok "start s2" nest start s2
expect_ok "restart s2" nest restart s2
expect_eq "s2 Running after restart" Running "$(status_of s2)"
expect_ok "restart -f s2" nest restart -f s2
expect_eq "s2 Running after restart -f" Running "$(status_of s2)"
finish
