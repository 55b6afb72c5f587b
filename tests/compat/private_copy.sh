#!/bin/bash
# The stock lxc copies a private image between two nestds as it does between two
# LXDs (issue #4): `lxc image copy a:priv b:` with the client trusted by both;
# lxc reads the image on A, sees it is private, asks A for a secret
# (POST /1.0/images/FP/secret) and sends B a pull with it; B, which A does not
# trust, presents it. A public image copies without one. Loopback only.
# lxc then waits for B's operation through /1.0/events over HTTPS and must
# finish by itself.
. "$(dirname "$0")/../system/lib.sh"
require_root
command -v lxc >/dev/null || skip "lxc (package lxd-client) not installed"
require_cmd openssl python3 sha256sum tar
nest_setup

A_ADDR=127.0.0.1:$(free_port)
B_ADDR=127.0.0.1:$(free_port)
export LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_CONF"
L() { timeout -k 5 "$TMO" lxc "$@"; }
L remote list >/dev/null 2>&1 # first run in a fresh LXD_CONF prints a welcome hint

tiny_image pub && tiny_image priv || die "making images"
PUB=$(sha256sum "$W/pub.tar.gz" | cut -d' ' -f1)
PRIV=$(sha256sum "$W/priv.tar.gz" | cut -d' ' -f1)

# --- A: the default test daemon, with a public and a private image ----------------------------
expect_ok "A: import pub (public)" nest image import "$W/pub.tar.gz" --alias pub --public
expect_ok "A: import priv (private)" nest image import "$W/priv.tar.gz" --alias priv
expect_ok "A: core.https_address" nest config set core.https_address "$A_ADDR"
run nest config trust add --name lxc-a
A_TOKEN=$(tail -n1 <<<"$OUT")

# --- B: a second nestd ----------------------------------------------------------------------------
B=$W/b
start_peer_nestd "$B" || die "nestd B did not start"
nb() { NEST_DIR=$B nest "$@"; }
expect_ok "B: core.https_address" nb config set core.https_address "$B_ADDR"
run nb config trust add --name lxc-b
B_TOKEN=$(tail -n1 <<<"$OUT")

expect_ok "lxc remote add a (token)" L remote add a "https://$A_ADDR" --accept-certificate --password "$A_TOKEN"
expect_ok "lxc remote add b (token)" L remote add b "https://$B_ADDR" --accept-certificate --password "$B_TOKEN"

# --- copies ---------------------------------------------------------------------------------------
# lxc waits for B's operation through /1.0/events, a websocket over HTTPS:
# each copy must end by itself, exit 0, within a bound.
# lxc_copy ARGS...: `lxc image copy ARGS` (60 s at most); sets RC, logs its output.
lxc_copy() {
  timeout -k 5 60 lxc image copy "$@" >"$W/lxc-copy.out" 2>&1 </dev/null
  RC=$?
  log "lxc image copy $*: exit $RC: $(head -c 300 "$W/lxc-copy.out")"
}
lxc_copy a:priv b:
expect_eq "lxc image copy a:priv b: finishes by itself, exit 0 (events over HTTPS)" 0 "$RC"
run nb image list -f json
expect_eq "lxc image copy a:priv b: → B holds A's private image" "$PRIV" \
  "$(jq -r ".[] | select(.fingerprint==\"$PRIV\") | .fingerprint" <<<"$OUT")"
expect_eq "… private" false "$(jq -r ".[] | select(.fingerprint==\"$PRIV\") | .public" <<<"$OUT")"
api GET '/1.0/operations?recursion=1'
expect_eq "A: lxc's secret was used up (no token operation Running)" 0 \
  "$(jq '[.metadata.running[]? | select(.class=="token")] | length' <<<"$API_BODY")"
lxc_copy a:pub b:
expect_eq "lxc image copy a:pub b: finishes by itself, exit 0" 0 "$RC"
run nb image list -f json
expect_eq "lxc image copy a:pub b: → B holds the public image" "$PUB" \
  "$(jq -r ".[] | select(.fingerprint==\"$PUB\") | .fingerprint" <<<"$OUT")"
expect_fail 'not found' L image copy a:nosuch b:

kill "$PEER_NESTD_PID" 2>/dev/null
wait "$PEER_NESTD_PID" 2>/dev/null
finish
