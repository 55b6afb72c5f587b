#!/bin/bash
# nest exec: exact exit codes, signals, missing command, stdin/stdout/stderr,
# and a background child that keeps stdout open must not hang the exec.
. "$(dirname "$0")/lib.sh"
nest_setup
launch c1

nexec c1 sh -c 'exit 7'
expect_eq "exit 7 → 7" 7 "$RC"
nexec c1 true
expect_eq "true → 0" 0 "$RC"
nexec c1 false
expect_eq "false → 1" 1 "$RC"
nexec c1 sh -c 'exit 255'
expect_eq "exit 255 → 255" 255 "$RC"
nexec c1 sh -c 'kill -9 $$'
expect_eq "killed by SIGKILL → 137" 137 "$RC"
nexec c1 sh -c 'kill -TERM $$'
expect_eq "killed by SIGTERM → 143" 143 "$RC"

# Signals sent to `nest exec` reach the command (the control stream), each once.
"$NEST" exec c1 -- sh -c 'n=0; trap "n=\$((n+1)); echo got INT \$n" INT
  trap "echo got TERM; exit 5" TERM; echo ready; while :; do sleep 1 & wait; done' \
  >"$W/sig.out" 2>&1 </dev/null &
cli=$!
for _ in $(seq 100); do grep -q ready "$W/sig.out" && break; sleep 0.1; done
kill -INT "$cli"
for _ in $(seq 50); do grep -q "got INT" "$W/sig.out" && break; sleep 0.1; done
kill -INT "$cli"
for _ in $(seq 50); do grep -q "got INT 2" "$W/sig.out" && break; sleep 0.1; done
kill -TERM "$cli"
wait_rc=0
for _ in $(seq 100); do kill -0 "$cli" 2>/dev/null || break; sleep 0.1; done
kill -0 "$cli" 2>/dev/null && kill -9 "$cli"
wait "$cli" || wait_rc=$?
expect_eq "SIGINT to nest exec reaches the command, twice" $'ready\ngot INT 1\ngot INT 2\ngot TERM' \
  "$(cat "$W/sig.out")"
expect_eq "SIGTERM to nest exec: the command's trap exits 5, and so does nest exec" 5 "$wait_rc"

# A command starts with every signal at its default action, whatever nestd
# ignores (SIGPIPE, and SIGINT and SIGQUIT here: this script started it with &).
nexec c1 grep SigIgn /proc/self/status
expect_eq "the command ignores no signal (nestd ignores $(grep SigIgn /proc/"$NESTD_PID"/status | cut -f2))" \
  "SigIgn:	0000000000000000" "$OUT"
nexec c1 grep SigIgn /proc/1/status
ign=$(awk '{print $2}' <<<"$OUT")
check "the container's init does not inherit SIGPIPE ignored (SigIgn ${ign:-?})" \
  test "$((0x${ign:-1000} & 0x1000))" -eq 0
nexec c1 sh -c '{ yes; echo "yes: $?" >&2; } | head -n 1'
expect_eq "yes | head -n 1: yes ends by SIGPIPE (141), not with a write error" "yes: 141" "$ERR"

# A client that dies mid-command takes its command with it, as with LXD: with
# no control stream connected (nest exec connects it at a signal's forwarding),
# and with one (here the command ignores the SIGINT that made it connect).
timeout -s KILL 1 "$NEST" exec c1 -- sleep 31 </dev/null >/dev/null 2>&1
check "nest exec killed (no control stream): its command (sleep 31) is killed too" gone_from c1 "sleep 31"
"$NEST" exec c1 -- sh -c 'trap "" INT; echo ready; exec sleep 32' >"$W/gone.out" 2>&1 </dev/null &
cli=$!
for _ in $(seq 100); do grep -q ready "$W/gone.out" && break; sleep 0.1; done
kill -INT "$cli"
sleep 0.3
kill -9 "$cli"
wait "$cli" 2>/dev/null
check "nest exec killed (control stream connected): its command (sleep 32) is killed too" \
  gone_from c1 "sleep 32"

nexec c1 /no/such/command
expect_eq "missing command → 127" 127 "$RC"
expect_match "missing command: message says so" 'not found|no such file|does not exist' "$ERR$OUT"
nexec c1 nosuchcmd-xyz
expect_eq "missing command in PATH → 127" 127 "$RC"

nexec c1 sh -c 'echo out; echo err >&2'
expect_eq "stdout carries stdout only" out "$OUT"
expect_eq "stderr carries stderr only" err "$ERR"

OUT=$(printf 'hello\nworld\n' | timeout -k 2 20 "$NEST" exec c1 -- cat 2>&1); RC=$?
expect_eq "stdin piped through cat (rc)" 0 "$RC"
expect_eq "stdin piped through cat" $'hello\nworld' "$OUT"

head -c 1048576 /dev/urandom >"$W/blob"
want=$(md5sum <"$W/blob" | cut -d' ' -f1)
got=$(timeout -k 2 20 "$NEST" exec c1 -- md5sum <"$W/blob" 2>&1 | cut -d' ' -f1)
expect_eq "1 MiB of binary stdin arrives intact" "$want" "$got"
got=$(timeout -k 2 20 "$NEST" exec c1 -- cat <"$W/blob" | md5sum | cut -d' ' -f1)
got2=$(timeout -k 2 20 "$NEST" exec c1 -- head -c 1048576 /dev/zero | wc -c)
expect_eq "1 MiB of stdout (stdin unused) comes back" 1048576 "$got2"
expect_eq "1 MiB of binary stdout comes back intact" "$want" "$got"

t0=$(date +%s)
OUT=$(timeout -k 2 20 "$NEST" exec c1 -- sh -c 'sleep 100 & echo hi' </dev/null 2>&1); RC=$?
el=$(($(date +%s) - t0))
expect_eq "background child holding stdout: exec returns 0 (took ${el}s)" 0 "$RC"
expect_eq "background child holding stdout: output" hi "$OUT"
check "background child holding stdout: returned within 15 s" test "$el" -lt 15

nexec c1 sh -c 'echo $PATH'
expect_match "PATH is set inside" '/bin' "$OUT"
nexec c1 id -u
expect_eq "exec runs as container root" 0 "$OUT"
nexec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "'
log "container pid 1: $OUT"

# exec joins the container's pid namespace: it sees the init as pid 1
nexec c1 sh -c 'ls /proc | grep -c "^[0-9]"'
check "exec sees only the container's processes ($OUT)" test "${OUT:-999}" -lt 20

# Interactive: a terminal from the container's own devpts, its size from ours.
if command -v script >/dev/null; then
  OUT=$(timeout -k 2 20 script -eqc "stty cols 100 rows 30; $NEST exec c1 -- sh -c 'tty; stty size; exit 3'" /dev/null 2>&1)
  RC=$?
  expect_eq "interactive exec keeps the exit code" 3 "$RC"
  expect_match "interactive exec has a container tty" '/dev/pts/[0-9]' "$OUT"
  expect_match "interactive exec gets the window size" '30 100' "$OUT"
fi

# environment.* keys reach the next exec as the instance's config changes
# (nestd keeps what exec reads from its database until a write).
run nest config set c1 environment.GREETING hello
expect_eq "config set environment.GREETING" 0 "$RC"
nexec c1 sh -c 'echo "[$GREETING]"'
expect_eq "environment.GREETING reaches exec" "[hello]" "$OUT"
run nest config set c1 environment.GREETING=bye
nexec c1 sh -c 'echo "[$GREETING]"'
expect_eq "a changed environment key reaches the next exec" "[bye]" "$OUT"
run nest config unset c1 environment.GREETING
nexec c1 sh -c 'echo "[$GREETING]"'
expect_eq "an unset environment key is gone from the next exec" "[]" "$OUT"

# What an exec holds in nestd (the command's pipes and pidfd) goes as it ends,
# not when its finished operation is forgotten (seconds later, at a request).
open_fds() { ls "/proc/$NESTD_PID/fd" | wc -l; }
nexec c1 true
before=$(open_fds)
for _ in $(seq 20); do nexec c1 true; done
after=$(open_fds)
check "20 execs leave nestd's open descriptors as they were ($before, then $after)" \
  test "$after" -le "$((before + 2))"

# A client that never connects the streams: the command never runs (it waits
# at its start gate, 10 s), and the operation says why.
api POST /1.0/instances/c1/exec -H 'Content-Type: application/json' \
  -d '{"command":["touch","/ran"],"wait-for-websocket":true,"interactive":false}'
op=$(jq -r '.operation // empty' <<<"$API_BODY")
expect_eq "exec without its streams: accepted (202)" 202 "$API_CODE"
api GET "$op/wait?timeout=30"
expect_eq "exec without its streams: the operation fails" Failure \
  "$(jq -r '.metadata.status' <<<"$API_BODY")"
expect_match "exec without its streams: and says why" \
  "timed out waiting for the exec websockets to connect" "$(jq -r '.metadata.err' <<<"$API_BODY")"
nexec c1 sh -c 'test -e /ran && echo ran || echo "did not run"'
expect_eq "exec without its streams: the command did not run" "did not run" "$OUT"
check "exec without its streams: nothing left waiting in the container" gone_from c1 'touch /ran'

nest stop -f c1 >/dev/null 2>&1
expect_fail "not running|stopped" nest exec c1 -- true </dev/null
finish
