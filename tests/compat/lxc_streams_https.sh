#!/bin/bash
# Images from a simplestreams server over HTTPS, consumed by nestd (issue #4
# "Protocols", point 11):
#   - nest: `remote add --accept-certificate` pins a self-signed server
#     certificate; launch and image copy from it work, with the source recorded;
#     without the pin the launch is refused naming the certificate problem
#   - the stock lxc client against nestd: `lxc image copy t:bb local:` makes
#     nestd pull over HTTPS (lxc sends the pinned certificate), and lxc shows
#     nestd's download progress
. "$(dirname "$0")/../system/lib.sh"
. "$(dirname "$0")/../system/streams_lib.sh"
require_cmd lxc python3 openssl
nest_setup

# --- a tree holding "bb" (public image made from the builtin one) --------------------
streams_export_builtin "$W/exp"
SRC=$BUILTIN_FP
expect_ok "import it as bb" nest image import "$BUILTIN_TAR" --alias bb --public
expect_ok "export-streams bb" nest image export-streams "$W/tree" bb
expect_ok "delete bb" nest image delete bb
streams_serve "$W/tree" --tls || die "https streams server"

# --- nest --------------------------------------------------------------------------------
expect_ok "remote add plain (no pin)" nest remote add plain "$STREAMS_URL" --protocol simplestreams
expect_fail 'certificate|verify' nest launch plain:bb c1
check "the refused launch left no instance" not nest info c1
expect_ok "remote add lab --accept-certificate" \
  nest remote add lab "$STREAMS_URL" --protocol simplestreams --accept-certificate
launch c1 lab:bb
api GET "/1.0/images/$SRC"
expect_eq "the launch left a cached image with nest's fingerprint" true "$(jq -r .metadata.cached <<<"$API_BODY")"
expect_eq "its source is the https server" "$STREAMS_URL" "$(jq -r .metadata.update_source.server <<<"$API_BODY")"
expect_match "its source carries the pinned certificate" 'BEGIN CERTIFICATE' \
  "$(jq -r .metadata.update_source.certificate <<<"$API_BODY")"
expect_ok "delete c1" nest delete -f c1
expect_ok "delete the cached image" nest image delete "$SRC"

# --- the stock lxc client -------------------------------------------------------------------
export LXD_DIR=$NEST_DIR LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_CONF/servercerts"
L() { timeout -k 5 120 lxc "$@"; }
L remote list >/dev/null 2>&1
cp "$STREAMS_CERT" "$LXD_CONF/servercerts/t.crt"
expect_ok "lxc remote add t (simplestreams, https)" L remote add t "$STREAMS_URL" --protocol simplestreams --public
streams_fault delay 1 '*.tar.gz'
# The stock client's view of nestd's operation events while it copies.
L monitor --type=operation >"$W/monitor.out" 2>&1 &
MON=$!
sleep 0.5
expect_ok "lxc image copy t:bb local: through nestd" L image copy t:bb local:
sleep 0.5
kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null
expect_match "lxc monitor shows nestd's download_progress" 'download_progress: .*[0-9]+%' "$(cat "$W/monitor.out")"
streams_fault none
api GET "/1.0/images/$SRC"
expect_eq "nestd holds the image under nest's fingerprint" 200 "$API_CODE"
expect_eq "an lxc image copy is explicit" false "$(jq -r .metadata.cached <<<"$API_BODY")"

finish
