#!/bin/bash
# nest over HTTPS (issue 4): core.https_address, the server certificate, the
# trust store and one-time tokens, driven by the stock lxc client as the remote
# client (its own LXD_CONF), curl with a client certificate, and nest's own
# `config trust` verbs. Loopback only.
. "$(dirname "$0")/../system/lib.sh"
require_root
command -v lxc >/dev/null || skip "lxc (package lxd-client) not installed"
require_cmd openssl
nest_setup

PORT=$(free_port)
ADDR=127.0.0.1:$PORT
export LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_CONF"
L() { timeout -k 5 "$TMO" lxc "$@"; }
L remote list >/dev/null 2>&1 # first run in a fresh LXD_CONF prints a welcome hint

# --- server certificate ------------------------------------------------------------------
expect_eq "server.key is 0600" 600 "$(stat -c %a "$NEST_DIR/server.key")"
expect_match "server.crt is EC P-384" 'secp384r1|P-384' "$(openssl x509 -in "$NEST_DIR/server.crt" -noout -text)"
SERVER_FP=$(openssl x509 -in "$NEST_DIR/server.crt" -outform der | sha256sum | cut -d' ' -f1)
api GET /1.0
expect_eq "GET /1.0 certificate_fingerprint = sha256 of server.crt DER" "$SERVER_FP" \
  "$(jq -r .metadata.environment.certificate_fingerprint <<<"$API_BODY")"

# --- two small images: one public, one private -------------------------------------------------
tiny_image pub
tiny_image priv
expect_ok "import a public image" nest image import "$W/pub.tar.gz" --alias pub --public
expect_ok "import a private image" nest image import "$W/priv.tar.gz" --alias priv
PUB_FP=$(jq -r '.[] | select(.aliases[0].name=="pub") | .fingerprint' <<<"$(nest image list -f json)")
PRIV_FP=$(jq -r '.[] | select(.aliases[0].name=="priv") | .fingerprint' <<<"$(nest image list -f json)")
[ ${#PUB_FP} = 64 ] && [ ${#PRIV_FP} = 64 ] || die "images not imported: '$PUB_FP' '$PRIV_FP'"

# --- bad addresses are refused and not stored ----------------------------------------------------
expect_fail 'core.https_address.*"127.0.0.1:99999"|99999' nest config set core.https_address 127.0.0.1:99999
expect_fail 'no-such-host.invalid' nest config set core.https_address no-such-host.invalid:8443
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(60)' "$PORT" &
BLOCKER=$!
HEXPORT=$(printf '%04X' "$PORT")
for _ in $(seq 1 100); do grep -qi ":$HEXPORT 00000000:0000 0A" /proc/net/tcp && break; sleep 0.1; done
expect_fail "127.0.0.1:$PORT.*already in use" nest config set core.https_address "$ADDR"
run nest config get core.https_address
expect_eq "a refused address is not stored" "" "$OUT"
kill "$BLOCKER" 2>/dev/null; wait "$BLOCKER" 2>/dev/null

# --- listener on and off without restart ---------------------------------------------------------
expect_ok "config set core.https_address $ADDR" nest config set core.https_address "$ADDR"
C() { timeout -k 2 20 curl -sS -k "$@"; }
run C "https://$ADDR/1.0"
expect_eq "untrusted GET /1.0: auth untrusted" untrusted "$(jq -r .metadata.auth <<<"$OUT")"
expect_eq "untrusted GET /1.0: no environment, no config" "null null" \
  "$(jq -r '"\(.metadata.environment) \(.metadata.config)"' <<<"$OUT")"
run C "https://$ADDR/1.0/images"
expect_eq "untrusted image list: the public image only" "[\"/1.0/images/$PUB_FP\"]" "$(jq -c .metadata <<<"$OUT")"
run C "https://$ADDR/1.0/images/aliases"
expect_eq "untrusted alias list: pub only" '["/1.0/images/aliases/pub"]' "$(jq -c .metadata <<<"$OUT")"
run C -o /dev/null -w '%{http_code}' "https://$ADDR/1.0/images/$PRIV_FP"
expect_eq "untrusted GET private image → 404 (as LXD: existence not revealed)" 404 "$OUT"
run C -o /dev/null -w '%{http_code}' "https://$ADDR/1.0/images/$PRIV_FP/export"
expect_eq "untrusted export of a private image → 404" 404 "$OUT"
run C -o "$W/pub.export" -w '%{http_code}' "https://$ADDR/1.0/images/$PUB_FP/export"
expect_eq "untrusted export of the public image → 200" 200 "$OUT"
expect_eq "exported bytes hash to the fingerprint" "$PUB_FP" "$(sha256sum <"$W/pub.export" | cut -d' ' -f1)"
run C "https://$ADDR/1.0/instances"
expect_eq "untrusted GET /1.0/instances → 403 not authorized" "403 not authorized" \
  "$(jq -r '"\(.error_code) \(.error)"' <<<"$OUT")"
run C -X PATCH -d '{"config":{"core.https_address":""}}' "https://$ADDR/1.0"
expect_eq "untrusted PATCH /1.0 → 403" 403 "$(jq -r .error_code <<<"$OUT")"
run C "https://$ADDR/1.0/certificates"
expect_eq "untrusted certificate list → 403" 403 "$(jq -r .error_code <<<"$OUT")"

# hostile clients: a silent TCP client and a huge header do not wedge the daemon
exec 7<>/dev/tcp/127.0.0.1/"$PORT"
run C -o /dev/null -w '%{http_code}' "https://$ADDR/1.0"
expect_eq "a silent connection does not block others" 200 "$OUT"
run C -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" "https://$ADDR/1.0"
expect_match "a 100 kB header is refused" '^(000|400|431)$' "$OUT"
run C -o /dev/null -w '%{http_code}' -X POST --data-binary @"$W/pub.tar.gz" \
  -H 'Content-Type: application/json' "https://$ADDR/1.0/certificates"
expect_match "untrusted bodies are bounded or rejected" '^(400|403|413)$' "$OUT"
exec 7>&-

# --- lxc as remote client: public remote, then token trust ---------------------------------------
expect_ok "lxc remote add --public" L remote add pubpeer "https://$ADDR" --public --accept-certificate
run L image list pubpeer: -c lf --format csv
expect_eq "lxc image list on a public remote: only pub" "pub,${PUB_FP:0:12}" "$OUT"
expect_fail 'not found' L image info "pubpeer:$PRIV_FP"

expect_fail 'token|not authorized|password' L remote add peer0 "https://$ADDR" --accept-certificate --password nonsense
L remote remove peer0 >/dev/null 2>&1

run nest config trust add --name lxcclient
TOKEN=$(tail -n1 <<<"$OUT")
expect_match "trust add prints a token" '^[A-Za-z0-9+/=]{40,}$' "$TOKEN"
TOK_JSON=$(base64 -d <<<"$TOKEN" 2>/dev/null)
expect_eq "token names the server fingerprint" "$SERVER_FP" "$(jq -r .fingerprint <<<"$TOK_JSON")"
expect_eq "token names the address" "[\"$ADDR\"]" "$(jq -c .addresses <<<"$TOK_JSON")"
expect_eq "token carries the client name" lxcclient "$(jq -r .client_name <<<"$TOK_JSON")"
run nest config trust list-tokens --format csv
expect_match "list-tokens shows the pending token" "^lxcclient,$TOKEN" "$OUT"

expect_ok "lxc remote add peer --password TOKEN" L remote add peer "https://$ADDR" --accept-certificate --password "$TOKEN"
run L image list peer: -c l --format csv
expect_eq "trusted lxc image list: both images" "$(printf 'priv\npub')" "$(sort <<<"$OUT")"
run L info peer:
expect_match "lxc info peer: trusted" 'auth: trusted' "$OUT"
run nest config trust list --format csv
expect_match "trust list shows lxcclient" '^client,lxcclient,[0-9a-f]{12}$' "$OUT"
CLIENT_FP=$(openssl x509 -in "$LXD_CONF/client.crt" -outform der | sha256sum | cut -d' ' -f1)
api GET "/1.0/certificates/$CLIENT_FP"
expect_eq "the stored fingerprint is the lxc client's" "$CLIENT_FP" "$(jq -r .metadata.fingerprint <<<"$API_BODY")"

# reused token: a second client with the same token is refused
export LXD_CONF=$W/lxc-conf2
mkdir -p "$LXD_CONF"
L remote list >/dev/null 2>&1
expect_fail 'no valid certificate add token' L remote add peer "https://$ADDR" --accept-certificate --password "$TOKEN"
L remote remove peer >/dev/null 2>&1
# a token given to lxc as its positional argument (lxc 5.0's `remote add NAME TOKEN`)
run nest config trust add --name second
TOKEN2=$(tail -n1 <<<"$OUT")
expect_ok "lxc remote add NAME TOKEN" L remote add peer2 "$TOKEN2"
run L image list peer2: -c l --format csv
expect_eq "second client trusted" "$(printf 'priv\npub')" "$(sort <<<"$OUT")"
# revoked and expired tokens
run nest config trust add --name gone
TOKEN3=$(tail -n1 <<<"$OUT")
expect_ok "trust revoke-token" nest config trust revoke-token gone
run nest config trust list-tokens --format csv
expect_eq "no tokens pending after use and revoke" "" "$OUT"
export LXD_CONF=$W/lxc-conf3
mkdir -p "$LXD_CONF"
L remote list >/dev/null 2>&1
expect_fail 'no valid certificate add token' L remote add peer3 "https://$ADDR" --accept-certificate --password "$TOKEN3"
L remote remove peer3 >/dev/null 2>&1
expect_ok "core.remote_token_expiry 1S" nest config set core.remote_token_expiry 1S
run nest config trust add --name late
TOKEN4=$(tail -n1 <<<"$OUT")
expect_match "an expiring token carries expires_at" '^20[0-9]{2}-' "$(base64 -d <<<"$TOKEN4" | jq -r .expires_at)"
sleep 2
expect_fail 'expired|no valid certificate add token' L remote add peer4 "https://$ADDR" --accept-certificate --password "$TOKEN4"
L remote remove peer4 >/dev/null 2>&1
nest config unset core.remote_token_expiry >/dev/null 2>&1

# --- curl with a client certificate; trust add from a file; remove -----------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 2 -subj /CN=curl \
  -keyout "$W/curl.key" -out "$W/curl.crt" >/dev/null 2>&1
CC() { C --cert "$W/curl.crt" --key "$W/curl.key" "$@"; }
run CC "https://$ADDR/1.0"
expect_eq "an unknown client certificate is untrusted" untrusted "$(jq -r .metadata.auth <<<"$OUT")"
expect_ok "config trust add FILE" nest config trust add "$W/curl.crt"
run CC "https://$ADDR/1.0"
expect_eq "added certificate is trusted" trusted "$(jq -r .metadata.auth <<<"$OUT")"
run CC -o "$W/priv.export" -w '%{http_code}' "https://$ADDR/1.0/images/$PRIV_FP/export"
expect_eq "trusted export of the private image" 200 "$OUT"
expect_eq "private export hashes to its fingerprint" "$PRIV_FP" "$(sha256sum <"$W/priv.export" | cut -d' ' -f1)"
expect_fail 'already' nest config trust add "$W/curl.crt"
echo garbage >"$W/bad.crt"
expect_fail 'invalid certificate' nest config trust add "$W/bad.crt"
CURL_FP=$(openssl x509 -in "$W/curl.crt" -outform der | sha256sum | cut -d' ' -f1)
expect_ok "config trust remove" nest config trust remove "${CURL_FP:0:12}"
run CC "https://$ADDR/1.0"
expect_eq "removed certificate is untrusted again" untrusted "$(jq -r .metadata.auth <<<"$OUT")"

# --- nest's own HTTPS client (client/https.h) through `nest query` ------------------------------
export NEST_CONF_DIR=$W/nest-conf
run nest query --url "https://$ADDR" /1.0
expect_match "nest query refuses an unknown server certificate, naming its fingerprint" "$SERVER_FP" "$OUT"
run nest config trust add --name nestclient
NTOKEN=$(tail -n1 <<<"$OUT")
run nest query --token "$NTOKEN" /1.0
expect_eq "nest joins with a token (exit 0)" 0 "$RC"
expect_eq "nest client trusted after the token" trusted "$(jq -r .auth <<<"$OUT" 2>/dev/null)"
expect_eq "client.key is 0600" 600 "$(stat -c %a "$NEST_CONF_DIR/client.key")"
expect_match "client certificate is EC P-384" 'secp384r1|P-384' "$(openssl x509 -in "$NEST_CONF_DIR/client.crt" -noout -text)"
run nest query --url "https://$ADDR" --server-cert "$NEST_DIR/server.crt" '/1.0/images?recursion=1'
expect_eq "nest over HTTPS with the pinned certificate lists both images" "priv pub" \
  "$(jq -r '[.[].aliases[0].name] | sort | join(" ")' <<<"$OUT" 2>/dev/null)"
expect_fail 'changed: fingerprint' nest query --url "https://$ADDR" --server-cert "$W/curl.crt" /1.0
NEST_CONF_DIR=$W/nest-conf2 expect_fail 'no valid certificate add token' nest query --token "$NTOKEN" /1.0
unset NEST_CONF_DIR

# --- off, restart, certificate reuse ------------------------------------------------------------
expect_ok "config unset core.https_address" nest config unset core.https_address
OUT=$(C -o /dev/null -w '%{http_code}' "https://$ADDR/1.0" 2>/dev/null)
expect_eq "listener closed" 000 "$OUT"
nest config set core.https_address "$ADDR" >/dev/null
stop_nestd
start_nestd
run C -o /dev/null -w '%{http_code}' "https://$ADDR/1.0"
expect_eq "listener back after restart" 200 "$OUT"
expect_eq "server certificate reused after restart" "$SERVER_FP" \
  "$(openssl x509 -in "$NEST_DIR/server.crt" -outform der | sha256sum | cut -d' ' -f1)"
export LXD_CONF=$W/lxc-conf
run L image list peer: -c l --format csv
expect_eq "lxc still trusted after restart" "$(printf 'priv\npub')" "$(sort <<<"$OUT")"
finish
