#!/bin/bash
# The test server (streams_server.py via streams_lib.sh) does what other tests
# rely on: serves files, refuses paths outside its root, every fault mode, glob-
# limited faults, the request log, HTTPS with its own certificate, and exiting
# with the test's shell. Needs no nestd and no root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
require_cmd python3 curl openssl sha256sum
W=$(mktemp -d /tmp/nest-streams-faults.XXXXXX) || skip "mktemp"
trap 'streams_stop; rm -rf "$W"' EXIT

mkdir -p "$W/root/images" "$W/root/streams/v1"
head -c 300000 /dev/urandom >"$W/root/images/rootfs.squashfs"
echo '{"format":"index:1.0","index":{}}' >"$W/root/streams/v1/index.json"
SQ=/images/rootfs.squashfs
SUM=$(sha256sum <"$W/root$SQ" | cut -c1-64)
# get PATH: sets RC (curl's exit), CODE, SIZE, SUM_GOT, SECS
get() {
  local out
  out=$(curl -s --path-as-is --max-time 20 ${CACERT:+--cacert "$CACERT"} -o "$W/got" \
    -w '%{http_code} %{time_total}' "$URL$1")
  RC=$?
  CODE=${out%% *} SECS=${out#* }
  SIZE=$(stat -c %s "$W/got" 2>/dev/null || echo 0)
  SUM_GOT=$(sha256sum <"$W/got" 2>/dev/null | cut -c1-64)
  rm -f "$W/got"
}

streams_serve "$W/root" || die "the server did not start"
URL=$STREAMS_URL CACERT=
check "port file holds a port the kernel chose ($STREAMS_PORT)" test "$STREAMS_PORT" -gt 0
expect_match "served on loopback over http" '^http://127\.0\.0\.1:[0-9]+$' "$URL"

get $SQ
expect_eq "a file is served whole" "0 200 300000 $SUM" "$RC $CODE $SIZE $SUM_GOT"
get /streams/v1/index.json
expect_eq "index.json" "200" "$CODE"
get /missing
expect_eq "missing file → 404" 404 "$CODE"
get /images/
expect_eq "a directory → 404 (no listings)" 404 "$CODE"
get /../../../../etc/passwd
expect_eq "../ outside the root → 404" 404 "$CODE"
get /%2e%2e/%2e%2e/etc/passwd
expect_eq "encoded ../ outside the root → 404" 404 "$CODE"
ln -s /etc/passwd "$W/root/images/link"
get /images/link
expect_eq "a symlink leading outside the root → 404" 404 "$CODE"

streams_fault drop
get $SQ
check "drop: the transfer fails (curl exit $RC)" test "$RC" -ne 0
check "drop: less than the file arrived ($SIZE bytes)" test "$SIZE" -lt 300000
streams_fault truncate
get $SQ
expect_eq "truncate: a complete response with half the file" "0 200 150000" "$RC $CODE $SIZE"
streams_fault corrupt
get $SQ
check "corrupt: full length, other bytes" test "$RC $CODE $SIZE" = "0 200 300000" -a "$SUM_GOT" != "$SUM"
streams_fault delay 1.2
get /streams/v1/index.json
check "delay 1.2: the answer took ${SECS}s" awk -v s="$SECS" 'BEGIN { exit !(s >= 1.2) }'
streams_fault 404
get /streams/v1/index.json
expect_eq "404: even index.json" 404 "$CODE"
streams_fault corrupt '*.squashfs'
get /streams/v1/index.json
expect_eq "a glob-limited fault spares other paths" "200 $(stat -c %s "$W/root/streams/v1/index.json")" "$CODE $SIZE"
get $SQ
check "… and hits matching ones" test "$SUM_GOT" != "$SUM"
streams_fault none
get $SQ
expect_eq "none: back to normal" "200 $SUM" "$CODE $SUM_GOT"

run streams_requests
expect_eq "the log has one line per request" 15 "$(streams_request_count)"
expect_match "log lines: time METHOD path status bytes" "^[0-9.]+ GET $SQ 200-dropped [0-9]+$" "$OUT"
expect_match "log: truncated transfer" "GET $SQ 200 150000$" "$OUT"
expect_match "log: 404s" "GET /missing 404 " "$OUT"
streams_log_reset
sleep 1
expect_eq "an idle server logs nothing (what \"no traffic\" checks count)" 0 "$(streams_request_count)"
streams_stop
check "streams_stop stops it" not curl -s --max-time 2 -o /dev/null "$URL/"

# --- HTTPS -------------------------------------------------------------------------------
streams_serve "$W/root" --tls || die "the https server did not start"
URL=$STREAMS_URL CACERT=$STREAMS_CERT
expect_match "served over https" '^https://127\.0\.0\.1:[0-9]+$' "$URL"
get $SQ
expect_eq "https with the test's certificate" "0 200 $SUM" "$RC $CODE $SUM_GOT"
run openssl x509 -in "$STREAMS_CERT" -noout -ext subjectAltName
expect_match "the certificate names 127.0.0.1 and localhost" 'IP Address:127\.0\.0\.1.*DNS:localhost|DNS:localhost.*IP Address:127\.0\.0\.1' "$(tr '\n' ' ' <<<"$OUT")"
CACERT='' get $SQ
check "https without trusting the certificate fails (curl exit $RC)" test "$RC" -ne 0
streams_log_reset
run curl -s --max-time 5 "http://127.0.0.1:$STREAMS_PORT/"
expect_match "plain http to the https port is logged as a failed handshake" '- - tls-handshake-failed 0' "$(streams_requests)"
streams_stop

# --- the server follows the test's shell -----------------------------------------------------
pid=$(bash -c '. "$1/lib.sh"; . "$1/streams_lib.sh"; W=$2; streams_serve "$2/root" && echo "$STREAMS_PID"' \
  _ "$(dirname "$0")" "$W")
check "a server was started by a short-lived shell ($pid)" test -n "$pid"
for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "it exits when that shell is gone" not kill -0 "$pid"

finish
