#!/bin/bash
# Websockets over HTTPS (core.https_address), driven by the stock lxc client as
# a remote: `lxc exec peer:c1` (operation websockets: stdin/stdout/stderr and
# the exit code), `lxc monitor peer:` (/1.0/events with a type filter), and the
# access rules: /1.0/events needs a trusted client (403 otherwise); an
# operation websocket is authorized by its secret alone, as in LXD. Loopback only.
. "$(dirname "$0")/../system/lib.sh"
require_root
command -v lxc >/dev/null || skip "lxc (package lxd-client) not installed"
require_cmd openssl python3
nest_setup

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ADDR=127.0.0.1:$(free_port)
export LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_CONF"
L() { timeout -k 5 "$TMO" lxc "$@"; }
L remote list >/dev/null 2>&1 # first run in a fresh LXD_CONF prints a welcome hint

expect_ok "config set core.https_address $ADDR" nest config set core.https_address "$ADDR"
run nest config trust add --name lxcclient
TOKEN=$(tail -n1 <<<"$OUT")
expect_ok "lxc remote add peer (token)" L remote add peer "https://$ADDR" --accept-certificate --password "$TOKEN"
launch c1

# --- exec over HTTPS ------------------------------------------------------------------------------
OUT=$(timeout -k 5 60 lxc exec peer:c1 -- sh -c 'echo out; echo err >&2; exit 7' </dev/null 2>"$W/exec.err")
RC=$?
expect_eq "lxc exec peer:c1 … exit 7 → 7" 7 "$RC"
expect_eq "lxc exec peer:c1 stdout" out "$OUT"
expect_eq "lxc exec peer:c1 stderr" err "$(cat "$W/exec.err")"
OUT=$(printf 'piped\nlines\n' | timeout -k 5 60 lxc exec peer:c1 -- cat 2>&1)
expect_eq "lxc exec peer:c1 stdin reaches the command" "$(printf 'piped\nlines')" "$OUT"
OUT=$(timeout -k 5 60 lxc exec peer:c1 -- sh -c 'head -c 300000 /dev/zero | tr "\0" x' </dev/null | wc -c)
expect_eq "lxc exec peer:c1: 300000 bytes of output arrive whole" 300000 "$OUT"

# --- events over HTTPS ----------------------------------------------------------------------------
timeout -k 5 60 lxc monitor peer: --type=lifecycle --format=json >"$W/events" 2>"$W/monitor.err" </dev/null &
MPID=$!
for _ in $(seq 1 50); do
  grep -q 'GET /1.0/events' "$W/nestd.out" 2>/dev/null && break
  sleep 0.1
done
sleep 0.5
expect_ok "lxc restart -f peer:c1" L restart -f peer:c1
for _ in $(seq 1 100); do
  grep -q instance-started "$W/events" && break
  sleep 0.1
done
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null
expect_match "lxc monitor peer: saw instance-stopped" 'instance-stopped' "$(cat "$W/events")"
expect_match "lxc monitor peer: saw instance-started" 'instance-started' "$(cat "$W/events")"
expect_eq "lxc monitor peer: --type=lifecycle got lifecycle events only" "" \
  "$(jq -r 'select(.type != "lifecycle") | .type' <"$W/events" 2>&1)"
wait_status c1 Running 15 || bad "c1 not Running after restart"

# --- access rules ---------------------------------------------------------------------------------
WS=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
C() { timeout -k 2 20 curl -sS -k "$@"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 2 -subj /CN=stranger \
  -keyout "$W/stranger.key" -out "$W/stranger.crt" >/dev/null 2>&1
run C "${WS[@]}" "https://$ADDR/1.0/events"
expect_eq "events without a client certificate → 403 not authorized" "403 not authorized" \
  "$(jq -r '"\(.error_code) \(.error)"' <<<"$OUT" 2>&1)"
run C --cert "$W/stranger.crt" --key "$W/stranger.key" "${WS[@]}" "https://$ADDR/1.0/events?type=lifecycle"
expect_eq "events with an untrusted certificate → 403" 403 "$(jq -r .error_code <<<"$OUT" 2>&1)"
CC() { C --cert "$LXD_CONF/client.crt" --key "$LXD_CONF/client.key" "$@"; }
run CC -o /dev/null -w '%{http_code}' "https://$ADDR/1.0/events"
expect_eq "trusted plain GET /1.0/events (no upgrade) → 400" 400 "$OUT"

# an exec operation (wait-for-websocket) made by the trusted client; a stranger
# connects with a wrong secret (403), then with the right one (accepted: 101).
run CC -X POST -H 'Content-Type: application/json' \
  -d '{"command":["sh","-c","echo secret-ok"],"wait-for-websocket":true,"interactive":false}' \
  "https://$ADDR/1.0/instances/c1/exec"
OP=$(jq -r .operation <<<"$OUT" 2>/dev/null)
SECRET=$(jq -r '.metadata.metadata.fds["0"] // empty' <<<"$OUT" 2>/dev/null)
expect_match "trusted exec with wait-for-websocket returns an operation" '^/1.0/operations/' "$OP"
run C --cert "$W/stranger.crt" --key "$W/stranger.key" "${WS[@]}" "https://$ADDR$OP/websocket?secret=wrong"
expect_eq "untrusted, wrong secret → 403" 403 "$(jq -r .error_code <<<"$OUT" 2>&1)"
# (curl then waits on the open websocket until --max-time: its exit status is 28)
OUT=$(C --cert "$W/stranger.crt" --key "$W/stranger.key" --max-time 3 -o /dev/null -w '%{http_code}' \
  "${WS[@]}" "https://$ADDR$OP/websocket?secret=$SECRET" 2>/dev/null)
expect_eq "untrusted with the operation's secret → 101 (secret authorizes, as LXD)" 101 "$OUT"
api DELETE "${OP}"

# --- a stalled TLS client does not pin the events of others ------------------------------------
exec 7<>/dev/tcp/127.0.0.1/"${ADDR##*:}"
run L exec peer:c1 -- echo still
expect_eq "exec over HTTPS works next to a silent connection" still "$OUT"
exec 7>&-
finish
