#!/bin/bash
# Private images between two nestds over HTTPS (issue #4, LXD's image secrets):
# a client trusted by A asks A for a one-time secret (POST /1.0/images/FP/secret,
# a Running "token" operation) and B, which A does not trust, presents it as
# ?secret= to read and export the private image. Without a secret, with a wrong,
# another image's, a used or a cancelled one, A answers 404 exactly as for a
# missing image, and B's failed pull leaves no row and no file. `nest image copy
# peer:priv local:` does the dance; public images still copy without a secret.
. "$(dirname "$0")/lib.sh"
require_cmd python3 openssl sha256sum tar
nest_setup

PORT=$(free_port)
ADDR=127.0.0.1:$PORT

# --- server A: one public and two private images ---------------------------------------
for i in pub priv priv2; do tiny_image $i || die "making image $i"; done
expect_ok "A: import pub (public)" nest image import "$W/pub.tar.gz" --alias pub --public
expect_ok "A: import priv (private)" nest image import "$W/priv.tar.gz" --alias priv
expect_ok "A: import priv2 (private)" nest image import "$W/priv2.tar.gz" --alias priv2
PUB=$(sha256sum "$W/pub.tar.gz" | cut -d' ' -f1)
PRIV=$(sha256sum "$W/priv.tar.gz" | cut -d' ' -f1)
PRIV2=$(sha256sum "$W/priv2.tar.gz" | cut -d' ' -f1)
api GET "/1.0/images/$PRIV"
expect_eq "A holds priv, private" false "$(jq -r .metadata.public <<<"$API_BODY")"
expect_ok "A: core.https_address $ADDR" nest config set core.https_address "$ADDR"
A_CERT=$(cat "$NEST_DIR/server.crt")

# Untrusted HTTPS client (no client certificate), as B is to A.
U() { # U PATH: sets U_CODE and U_BODY
  U_CODE=$(timeout -k 2 30 curl -sS -k -o "$W/u.body" -w '%{http_code}' "https://$ADDR$1" 2>"$W/u.err") ||
    U_CODE=000
  U_BODY=$(cat "$W/u.body" 2>/dev/null)
}
# secret FP: a new secret from A (trusted: the unix socket); sets S and S_OP.
secret() {
  api POST "/1.0/images/$1/secret"
  S=$(jq -r '.metadata.metadata.secret // empty' <<<"$API_BODY")
  S_OP=$(jq -r '.operation // empty' <<<"$API_BODY")
}
op_status() { api GET "$1"; jq -r '.metadata.status // "gone"' <<<"$API_BODY"; }

# --- A: what an untrusted client sees -----------------------------------------------------------
MISSING=$(printf '%064d' 0)
U "/1.0/images/$MISSING"
HIDDEN_BODY=${U_BODY//$MISSING/FP}
expect_eq "untrusted: a missing image → 404" 404 "$U_CODE"
U "/1.0/images/$PRIV"
expect_eq "untrusted: the private image → 404" 404 "$U_CODE"
expect_eq "… with the body of a missing one" "$HIDDEN_BODY" "${U_BODY//$PRIV/FP}"
U "/1.0/images/$PRIV/export"
expect_eq "untrusted: export of the private image → 404" 404 "$U_CODE"
U "/1.0/images/$PRIV?secret=$(printf '%064d' 7)"
expect_eq "untrusted: a wrong secret → 404" 404 "$U_CODE"
expect_eq "… with the body of a missing one" "$HIDDEN_BODY" "${U_BODY//$PRIV/FP}"
U "/1.0/images/$PRIV/export?secret=nope"
expect_eq "untrusted: export with a wrong secret → 404" 404 "$U_CODE"
U "/1.0/images/$PUB"
expect_eq "untrusted: the public image → 200" 200 "$U_CODE"
run timeout -k 2 30 curl -sS -k -X POST "https://$ADDR/1.0/images/$PRIV/secret"
expect_match "untrusted: POST …/secret → 403" '"error_code": ?403' "$OUT"

# --- A: the secret operation ----------------------------------------------------------------------
secret "$PRIV"
expect_eq "POST /1.0/images/FP/secret → 202" 202 "$API_CODE"
expect_match "the secret is 64 hex digits" '^[0-9a-f]{64}$' "$S"
api GET "$S_OP"
expect_eq "a token operation" token "$(jq -r .metadata.class <<<"$API_BODY")"
expect_eq "… Running" Running "$(jq -r .metadata.status <<<"$API_BODY")"
expect_eq "… cancellable" true "$(jq -r .metadata.may_cancel <<<"$API_BODY")"
expect_eq "… for that image" "[\"/1.0/images/$PRIV\"]" "$(jq -c .metadata.resources.images <<<"$API_BODY")"
S_PRIV=$S S_PRIV_OP=$S_OP
secret "$PRIV2"
U "/1.0/images/$PRIV?secret=$S"
expect_eq "another image's secret → 404" 404 "$U_CODE"
api DELETE "$S_OP"
U "/1.0/images/$PRIV?secret=$S_PRIV"
expect_eq "untrusted: GET ?secret=S → 200" 200 "$U_CODE"
expect_eq "… the private image" "$PRIV" "$(jq -r .metadata.fingerprint <<<"$U_BODY")"
U "/1.0/images/${PRIV:0:12}?secret=$S_PRIV"
expect_eq "… by a fingerprint prefix too (looking does not use it up)" 200 "$U_CODE"
timeout -k 2 30 curl -sS -k -o "$W/export" "https://$ADDR/1.0/images/$PRIV/export?secret=$S_PRIV"
expect_eq "untrusted: export ?secret=S → the image" "$PRIV" "$(sha256sum "$W/export" | cut -d' ' -f1)"
expect_eq "the export used the secret up: its operation ended Success" Success "$(op_status "$S_PRIV_OP")"
U "/1.0/images/$PRIV/export?secret=$S_PRIV"
expect_eq "a used secret: export → 404" 404 "$U_CODE"
U "/1.0/images/$PRIV?secret=$S_PRIV"
expect_eq "a used secret: GET → 404" 404 "$U_CODE"
secret "$PRIV"
api DELETE "$S_OP"
expect_eq "DELETE of the secret's operation → 200" 200 "$API_CODE"
expect_eq "… Cancelled" Cancelled "$(op_status "$S_OP")"
U "/1.0/images/$PRIV/export?secret=$S"
expect_eq "a cancelled secret: export → 404" 404 "$U_CODE"
S_CANCELLED=$S

# --- server B: a second nestd, untrusted by A ---------------------------------------------------
B=$W/b
start_peer_nestd "$B" || die "nestd B did not start"
nb() { NEST_DIR=$B nest "$@"; }
bapi() { NEST_DIR=$B api "$@"; }
# b_pull SECRET: B pulls priv by fingerprint from A (lxc's request); sets PULL (the final operation).
b_pull() {
  local src
  src=$(jq -n --arg s "https://$ADDR" --arg c "$A_CERT" --arg f "$PRIV" --arg k "$1" \
    '{source: {type: "image", mode: "pull", server: $s, protocol: "lxd", certificate: $c,
       fingerprint: $f, secret: $k}} | if $k == "" then del(.source.secret) else . end')
  bapi POST /1.0/images -H 'Content-Type: application/json' --data "$src"
  local op
  op=$(jq -r '.operation // empty' <<<"$API_BODY")
  [ -n "$op" ] || { PULL=$API_BODY; return; }
  bapi GET "$op/wait?timeout=60" --max-time 70
  PULL=$API_BODY
}
b_state() { # the image rows and the files of B's store
  NEST_DIR=$B api GET /1.0/images
  echo "$(jq -c .metadata <<<"$API_BODY") $(ls -A "$B/images" 2>/dev/null | tr '\n' ' ')"
}
BEFORE=$(b_state)
b_pull ""
expect_eq "B without a secret: the pull fails" Failure "$(jq -r .metadata.status <<<"$PULL")"
expect_match "… not found" 'not found' "$(jq -r .metadata.err <<<"$PULL")"
b_pull "$(printf '%064d' 7)"
expect_match "B with a wrong secret: not found" 'Failure.*not found' \
  "$(jq -r '.metadata.status + " " + .metadata.err' <<<"$PULL")"
b_pull "$S_PRIV"
expect_match "B with a used secret: not found" 'Failure.*not found' \
  "$(jq -r '.metadata.status + " " + .metadata.err' <<<"$PULL")"
b_pull "$S_CANCELLED"
expect_match "B with a cancelled secret: not found" 'Failure.*not found' \
  "$(jq -r '.metadata.status + " " + .metadata.err' <<<"$PULL")"
if grep -q "$S_CANCELLED" <<<"$PULL"; then bad "the pull's error shows the secret"; else ok "the pull's error does not show the secret"; fi
expect_eq "failed pulls left no row and no file in B's store" "$BEFORE" "$(b_state)"
secret "$PRIV"
b_pull "$S"
expect_eq "B with a valid secret: the pull succeeds" Success "$(jq -r .metadata.status <<<"$PULL")"
expect_eq "… the private image" "$PRIV" "$(jq -r .metadata.metadata.fingerprint <<<"$PULL")"
expect_eq "… and used the secret up" Success "$(op_status "$S_OP")"
expect_ok "B: delete it again" nb image delete "$PRIV"

# --- the CLI: an untrusted client cannot, a trusted one can ------------------------------------
NEST_CONF_DIR=$W/conf-u expect_ok "untrusted client: remote add peer --accept-certificate" \
  nb remote add peer "https://$ADDR" --accept-certificate
NEST_CONF_DIR=$W/conf-u expect_fail 'priv.*not found|not found.*priv' nb image copy peer:priv local:
run nest config trust add --name me
TOKEN=$(tail -n1 <<<"$OUT")
expect_ok "trusted client: remote add peer TOKEN" nb remote add peer "$TOKEN"
expect_ok "B: image copy peer:priv local: (trusted client, private image)" \
  nb image copy peer:priv local: --alias mine
run nb image list -f json
expect_eq "B holds A's private image under the same fingerprint" "$PRIV" \
  "$(jq -r '.[] | select(.aliases[0].name=="mine") | .fingerprint' <<<"$OUT")"
expect_eq "… private" false "$(jq -r '.[] | select(.fingerprint=="'"$PRIV"'") | .public' <<<"$OUT")"
api GET '/1.0/operations?recursion=1'
expect_eq "A: no secret is left pending" 0 \
  "$(jq '[.metadata.running[]? | select(.class=="token")] | length' <<<"$API_BODY")"
expect_ok "B: copy peer:priv again (already there)" nb image copy peer:priv local:
api GET '/1.0/operations?recursion=1'
expect_eq "A: the unused secret was withdrawn" 0 \
  "$(jq '[.metadata.running[]? | select(.class=="token")] | length' <<<"$API_BODY")"
expect_ok "B: image copy peer:pub local: (public)" nb image copy peer:pub local: --alias pub
api GET '/1.0/operations?recursion=1'
expect_eq "A: no secret was made for the public image" 0 \
  "$(jq "[.metadata[]?[]? | select(.class==\"token\" and (.resources.images // [] | index(\"/1.0/images/$PUB\")))] | length" <<<"$API_BODY")"
run nb image list -f json
expect_eq "B holds A's public image" "$PUB" \
  "$(jq -r '.[] | select(.aliases[0].name=="pub") | .fingerprint' <<<"$OUT")"
expect_fail 'nosuch.*not found|not found' nb image copy peer:nosuch local:
# A launch source works the same way (init: the test image has no init to run).
expect_ok "B: init peer:priv2 b2 (private image, trusted client)" nb init peer:priv2 b2
run nb image list -f json
expect_eq "… B holds priv2 as a cached image" true \
  "$(jq -r '.[] | select(.fingerprint=="'"$PRIV2"'") | .cached' <<<"$OUT")"
api GET '/1.0/operations?recursion=1'
expect_eq "A: no secret is left pending after the launch" 0 \
  "$(jq '[.metadata.running[]? | select(.class=="token")] | length' <<<"$API_BODY")"
expect_ok "B: delete b2" nb delete b2

kill "$PEER_NESTD_PID" 2>/dev/null
wait "$PEER_NESTD_PID" 2>/dev/null
finish
