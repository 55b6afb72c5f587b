#!/bin/bash
# The stock LXD (Debian's lxd 5.0.2) accepts a tree written by
# `nest image export-streams` as a simplestreams remote: it lists the images and
# copies each kind (unified lxd_combined.tar.gz, split squashfs, split
# root.tar.xz) with nest's fingerprint, and refuses a corrupted file.
#
# LXD's client only takes https:// URLs for simplestreams remotes ("Only https
# URLs are supported for simplestreams", checked below), so the tree is served
# over HTTPS on 127.0.0.1 with a throwaway self-signed certificate. Trust is
# per remote, not system-wide: the certificate is put in this test's own
# LXD_CONF as servercerts/t.crt, which the lxc client pins for remote "t" and
# hands to the daemon with each image request (source.certificate), which pins
# it too. No CA store is touched. LXD runs from its own LXD_DIR under the test
# directory and is shut down at exit; a system LXD in /var/lib/lxd is left alone.
. "$(dirname "$0")/../system/lib.sh"
. "$(dirname "$0")/../system/streams_lib.sh"
require_root
require_cmd lxd lxc openssl python3 mksquashfs
nest_setup

LXD_PID=
lxd_teardown() {
  [ -n "${LXD_DIR:-}" ] || return 0
  if [ -n "$LXD_PID" ] && kill -0 "$LXD_PID" 2>/dev/null; then
    timeout -k 5 60 lxd shutdown --timeout=45 >/dev/null 2>&1
    local i
    for i in $(seq 1 50); do
      kill -0 "$LXD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$LXD_PID" 2>/dev/null
  fi
  awk -v d="$LXD_DIR/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$LXD_DIR"
  LXD_DIR=
}
trap 'rc=$?; streams_stop; lxd_teardown; (exit $rc); nest_cleanup' EXIT

# --- three images in nest: unified, split squashfs, split root.tar.xz ------------
launch c1
nest delete -f c1 >/dev/null 2>&1
api GET '/1.0/images?recursion=1'
FP_BB=$(jq -r '.metadata[0].fingerprint // empty' <<<"$API_BODY")
[ ${#FP_BB} = 64 ] || die "no builtin image: $API_BODY"
expect_ok "alias bb" nest image alias create bb "$FP_BB"
expect_ok "export bb" nest image export bb "$W/bb.tar.gz"
streams_make_image "$W/bb.tar.gz" "$W/sq" squashed squashfs || die "making a squashfs image"
streams_make_image "$W/bb.tar.gz" "$W/tx" tarred tar || die "making a root.tar.xz image"
expect_ok "import split squashfs image" nest image import "$W/sq/meta.tar.gz" "$W/sq/rootfs.squashfs" --alias bbsq
expect_ok "import split tarball image" nest image import "$W/tx/meta.tar.gz" "$W/tx/rootfs.tar.xz" --alias bbtx
FP_SQ=$(jq -r .metadata.target <<<"$(api GET /1.0/images/aliases/bbsq; echo "$API_BODY")")
FP_TX=$(jq -r .metadata.target <<<"$(api GET /1.0/images/aliases/bbtx; echo "$API_BODY")")
expect_eq "split squashfs fingerprint is sha256(meta || rootfs)" \
  "$(cat "$W/sq/meta.tar.gz" "$W/sq/rootfs.squashfs" | sha256sum | cut -c1-64)" "$FP_SQ"
expect_eq "split tarball fingerprint is sha256(meta || rootfs)" \
  "$(cat "$W/tx/meta.tar.gz" "$W/tx/rootfs.tar.xz" | sha256sum | cut -c1-64)" "$FP_TX"

expect_ok "export-streams bb bbsq bbtx" nest image export-streams "$W/tree" bb bbsq bbtx
streams_serve "$W/tree" --tls || die "could not start the HTTPS test server"
log "tree served at $STREAMS_URL"

# --- a private LXD ---------------------------------------------------------------------
export LXD_DIR=$W/lxd LXD_CONF=$W/lxc-conf
mkdir -p "$LXD_DIR" "$LXD_CONF/servercerts"
setsid /usr/bin/lxd --group root --logfile="$LXD_DIR/lxd.log" >"$LXD_DIR/lxd.out" 2>&1 </dev/null &
LXD_PID=$!
timeout -k 5 90 lxd waitready --timeout=80 || die "lxd did not start: $(tail -5 "$LXD_DIR/lxd.log")"
L() { timeout -k 5 "$TMO" lxc "$@"; }
L remote list >/dev/null 2>&1 # first run in a fresh LXD_CONF prints a welcome hint
run L version
expect_match "a private LXD 5.0 daemon answers" 'Server version: 5\.' "$OUT"

expect_fail "Only https URLs are supported for simplestreams" \
  L remote add plain "http://127.0.0.1:$STREAMS_PORT" --protocol simplestreams --public
cp "$STREAMS_CERT" "$LXD_CONF/servercerts/t.crt"
expect_ok "lxc remote add t $STREAMS_URL --protocol simplestreams" \
  L remote add t "$STREAMS_URL" --protocol simplestreams --public

run L image list t: --format json
expect_eq "lxc image list t: exits 0" 0 "$RC"
expect_eq "lxc image list t: shows nest's three fingerprints" \
  "$(printf '%s\n' "$FP_BB" "$FP_SQ" "$FP_TX" | sort | paste -sd' ')" \
  "$(jq -r '.[].fingerprint' <<<"$OUT" 2>&1 | sort | paste -sd' ')"
expect_eq "t: image types (tar.gz, squashfs, root.tar.xz)" "root.tar.xz squashfs tar.gz" \
  "$(jq -r '.[].properties.type' <<<"$OUT" 2>&1 | sort | paste -sd' ')"
expect_eq "t: architectures" "x86_64 x86_64 x86_64" \
  "$(jq -r '.[].architecture' <<<"$OUT" 2>&1 | paste -sd' ')"
expect_eq "t: aliases, short and per architecture, as LXD makes them" \
  "bb bb/amd64 bbsq bbsq/amd64 bbtx bbtx/amd64" \
  "$(jq -r '.[].aliases[].name' <<<"$OUT" 2>&1 | sort | paste -sd' ')"
run L image info t:bbsq
expect_match "lxc image info t:bbsq: fingerprint" "Fingerprint: $FP_SQ" "$OUT"

for pair in "bb:$FP_BB" "bbsq:$FP_SQ" "bbtx:$FP_TX"; do
  a=${pair%%:*} fp=${pair#*:}
  expect_ok "lxc image copy t:$a local:" L image copy "t:$a" local:
  run L image list local: --format json
  expect_match "LXD stored t:$a with nest's fingerprint ${fp:0:12}" "\"fingerprint\": *\"$fp\"" "$OUT"
  check "LXD's file of $a hashes to the fingerprint" test -f "$LXD_DIR/images/$fp"
done
run L image info "$FP_SQ"
expect_match "the copied split image is split in LXD (rootfs file)" 'Fingerprint' "$OUT"
check "LXD keeps the squashfs rootfs beside the metadata" test -f "$LXD_DIR/images/$FP_SQ.rootfs"
expect_eq "LXD's two files add up to the fingerprint" "$FP_SQ" \
  "$(cat "$LXD_DIR/images/$FP_SQ" "$LXD_DIR/images/$FP_SQ.rootfs" | sha256sum | cut -c1-64)"
expect_match "LXD downloaded from our server" 'GET /images/busybox/squashed/amd64/default/[0-9_]+/rootfs.squashfs 200' \
  "$(streams_requests)"

# The other way round: what LXD exports (`lxc image export`) imports into nest
# with the same fingerprint, unified (bb) and split with a squashfs rootfs (bbsq).
for pair in "bb:$FP_BB" "bbsq:$FP_SQ"; do
  a=${pair%%:*} fp=${pair#*:}
  mkdir -p "$W/from-lxd/$a"
  expect_ok "lxc image export $a" L image export "$fp" "$W/from-lxd/$a/"
  expect_ok "nest image delete $a (to import LXD's copy)" nest image delete "$a"
  mapfile -t parts < <(ls "$W/from-lxd/$a/" | sort -r) # meta-<fp>… before <fp>.squashfs
  files=()
  for f in "${parts[@]}"; do files+=("$W/from-lxd/$a/$f"); done
  expect_ok "nest image import of LXD's export of $a (${parts[*]})" \
    nest image import "${files[@]}" --alias "lxd-$a"
  api GET "/1.0/images/aliases/lxd-$a"
  expect_eq "LXD's export of $a has the same fingerprint in nest" "$fp" \
    "$(jq -r .metadata.target <<<"$API_BODY")"
done

# A corrupted file is refused by LXD (it checks the sha256 the tree gives).
expect_ok "lxc image delete bb" L image delete "$FP_BB"
streams_fault corrupt '*/lxd_combined.tar.gz'
expect_fail "Hash mismatch for https:.*lxd_combined.tar.gz" L image copy t:bb local:
log "LXD said: $(tr '\r' '\n' <<<"$OUT" | grep -o 'Error: .*' | head -n 1)"
run L image list local: --format json
expect_eq "no image left behind by the refused copy" 0 \
  "$(jq --arg fp "$FP_BB" '[.[] | select(.fingerprint == $fp)] | length' <<<"$OUT")"
streams_fault none

finish
