#!/bin/bash
# nest to nest over HTTPS (issue #4 "Protocols"): nestd A serves its images on
# core.https_address; the CLI adds A as a remote with its certificate pinned
# (--accept-certificate, or a one-time token that also makes A trust the
# client); nestd B pulls A's public image with `nest image copy peer:ALIAS
# local:` and launches from it (a cached image); a private image is not served
# to B while A does not trust the client; an unpinned certificate and an unknown alias are refused clearly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
require_cmd python3 openssl
nest_setup

PORT=$(free_port)
ADDR=127.0.0.1:$PORT

# --- server A: one public and one private image ----------------------------------
streams_export_builtin "$W/exp"
SRC=$BUILTIN_FP
expect_ok "import it public as pub" nest image import "$BUILTIN_TAR" --alias pub --public
streams_make_image "$BUILTIN_TAR" "$W/priv" private unified || die "making a private image"
run nest image import "$W/priv/unified.tar.gz" --alias priv
((RC == 0)) || die "import priv: $OUT"
PRIV=$(grep -Eo '[0-9a-f]{64}' <<<"$OUT" | head -n1)
expect_ok "core.https_address $ADDR" nest config set core.https_address "$ADDR"

# --- server B: a second nestd with its own state ------------------------------------
B=$W/b
start_peer_nestd "$B" || die "nestd B did not start"
nb() { NEST_DIR=$B nest "$@"; }
stop_b() { nb delete -f b1 >/dev/null 2>&1; kill "$PEER_NESTD_PID" 2>/dev/null; wait "$PEER_NESTD_PID" 2>/dev/null; }

# --- pinning the certificate ----------------------------------------------------------
expect_fail 'not trusted yet: its fingerprint is [0-9a-f]{64}.*--accept-certificate' \
  nest remote add peer "https://$ADDR"
run nest remote list -f csv
if grep -q '^peer,' <<<"$OUT"; then bad "a refused remote was stored"; else ok "a refused remote is not stored"; fi
expect_ok "remote add peer --accept-certificate" nest remote add peer "https://$ADDR" --accept-certificate
expect_match "the remote's certificate is pinned in the config" 'BEGIN CERTIFICATE' "$(cat "$NEST_CONF_DIR/config.yml")"
# Until the token below makes A trust this client, A shows it (and B) no private
# image (private_copy.sh covers the copy by a trusted client, with a secret).
expect_fail 'priv|not found' nb image copy peer:priv local:
run nb image list -f json
expect_eq "the private image was not served to B" 0 "$(jq length <<<"$OUT")"
run nest config trust add --name me
TOKEN=$(tail -n1 <<<"$OUT")
expect_ok "remote add peer2 TOKEN (a bare token)" nest remote add peer2 "$TOKEN"
run nest config trust list -f csv
expect_match "the token made A trust the client's certificate" '^me,|,me,' "$OUT"
NEST_CONF_DIR=$W/conf2 expect_fail 'token' nest remote add peer3 "$TOKEN"
run env NEST_CONF_DIR=$W/conf2 "$NEST" remote list -f csv
if grep -q '^peer3,' <<<"$OUT"; then bad "a reused token added a remote"; else ok "a reused token (another client) adds nothing"; fi

# --- B pulls from A ------------------------------------------------------------------------
expect_ok "B: image copy peer:pub local: --alias pub" nb image copy peer:pub local: --alias pub
run nb image list -f json
expect_eq "B holds A's image under the same fingerprint" "$SRC" "$(jq -r '.[0].fingerprint' <<<"$OUT")"
expect_eq "an explicit copy is not cached" false "$(jq -r '.[0].cached' <<<"$OUT")"
expect_fail 'nosuch|not found' nb image copy peer:nosuch local:
expect_ok "B: image delete pub" nb image delete pub
expect_ok "B: launch peer:pub b1" nb launch peer:pub b1
run nb image list -f json
expect_eq "a launch from the peer leaves a cached image" true "$(jq -r '.[0].cached' <<<"$OUT")"
run nb exec b1 -- true
expect_eq "b1 runs" 0 "$RC"
stop_b
[ "$PRIV" != "$SRC" ] || bad "private and public images share a fingerprint"

finish
