#!/bin/bash
# Image upload and export stream through files (issue #3, LXD #1508): a ~300 MB
# unified image goes in (raw body) and out (export) while nestd's peak RSS
# (VmHWM) stays far below the image size; the stored and exported files hash to
# the fingerprint; a body cut short leaves no spooled file behind.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd sha256sum tar head

SIZE_MB=300
LIMIT_KB=$((100 * 1024))

mkdir -p "$W/big/rootfs"
printf 'architecture: %s\ncreation_date: 1700000000\nproperties:\n  os: bigtest\n  description: big image\n' \
  "$(uname -m)" >"$W/big/metadata.yaml"
head -c "${SIZE_MB}M" /dev/urandom >"$W/big/rootfs/blob" || die "making the random blob"
(cd "$W/big" && tar --numeric-owner -cf "$W/big.tar" metadata.yaml rootfs) || die "tar"
rm -rf "$W/big"
FP=$(sha256sum "$W/big.tar" | cut -d' ' -f1)
log "image $(stat -c %s "$W/big.tar") bytes, fingerprint $FP"

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$NESTD_PID/status"; }
log "nestd VmHWM before the upload: $(hwm_kb) kB"

# --- upload (raw body, Expect: 100-continue as curl sends for big bodies) ----------------
api POST /1.0/images -H 'Content-Type: application/octet-stream' \
  -H "X-LXD-fingerprint: $FP" -H 'X-LXD-filename: big.tar' --data-binary "@$W/big.tar" \
  --max-time 120
expect_eq "upload of a ${SIZE_MB} MB image → 202" 202 "$API_CODE"
op=$(jq -r .operation <<<"$API_BODY")
api GET "$op/wait?timeout=240" --max-time 250
expect_eq "import operation → Success" Success "$(jq -r .metadata.status <<<"$API_BODY")"
expect_eq "operation reports the fingerprint" "$FP" "$(jq -r .metadata.metadata.fingerprint <<<"$API_BODY")"
stored=$(find "$NEST_DIR" -maxdepth 3 -type f -name "$FP" | head -1)
[ -n "$stored" ] || die "no stored image file named $FP under $NEST_DIR"
expect_eq "stored image hashes to the fingerprint" "$FP" "$(sha256sum "$stored" | cut -d' ' -f1)"
HWM=$(hwm_kb)
log "nestd VmHWM after the upload: $HWM kB"
check "peak RSS after upload ($HWM kB) < $LIMIT_KB kB" test "$HWM" -lt "$LIMIT_KB"

# --- export ----------------------------------------------------------------------------
code=$(curl -sS --max-time 120 --unix-socket "$NEST_DIR/unix.socket" -o "$W/export.tar" \
  -w '%{http_code}' "http://nest/1.0/images/$FP/export")
expect_eq "export → 200" 200 "$code"
expect_eq "exported file hashes to the fingerprint" "$FP" "$(sha256sum "$W/export.tar" | cut -d' ' -f1)"
HWM=$(hwm_kb)
log "nestd VmHWM after the export: $HWM kB"
check "peak RSS after export ($HWM kB) < $LIMIT_KB kB" test "$HWM" -lt "$LIMIT_KB"
rm -f "$W/export.tar"

# --- a body cut short: 400 (if the client is still there) and no spooled file left ---
head -c 1000 /dev/urandom >"$W/short"
timeout -k 2 10 curl -sS --max-time 3 --unix-socket "$NEST_DIR/unix.socket" -o /dev/null \
  -H 'Content-Type: application/octet-stream' -H 'Content-Length: 100000' \
  --data-binary "@$W/short" http://nest/1.0/images 2>/dev/null
sleep 0.5
left=$(find "$NEST_DIR" -name '.tmp-body-*' | wc -l)
expect_eq "no spooled body left after a cut-short upload" 0 "$left"
check "nestd still answers" sock_answers

api DELETE "/1.0/images/$FP"
api GET "$(jq -r .operation <<<"$API_BODY")/wait?timeout=60"
left=$(find "$NEST_DIR" -name '.tmp-*' | wc -l)
expect_eq "no temporary files left in the store" 0 "$left"
finish
