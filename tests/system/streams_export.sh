#!/bin/bash
# nest image export-streams: the tree it writes (valid JSON, every item's sha256
# and size match its file, combined hashes == nest fingerprints, product fields,
# serials from creation dates), merging and --prune on re-runs, image selection
# (public / --all / named), and bad input leaving nothing half-written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
require_cmd mksquashfs xz python3
nest_setup

T=$W/tree
# check_tree DIR: every item of every version is a file of its size and sha256,
# and the combined hashes are what the files add up to. Prints problems.
check_tree() {
  local d=$1 p
  jq -e . "$d/streams/v1/index.json" >/dev/null || echo "index.json is not JSON"
  jq -e . "$d/streams/v1/images.json" >/dev/null || echo "images.json is not JSON"
  while IFS=$'\t' read -r p sha size; do
    [ -f "$d/$p" ] || { echo "missing $p"; continue; }
    [ "$(sha256sum <"$d/$p" | cut -c1-64)" = "$sha" ] || echo "sha256 of $p"
    [ "$(stat -c %s "$d/$p")" = "$size" ] || echo "size of $p"
  done < <(jq -r '.products[].versions[].items[] | [.path, .sha256, .size] | @tsv' "$d/streams/v1/images.json")
  while IFS=$'\t' read -r meta root combined; do
    [ "$(cat "$d/$meta" "$d/$root" | sha256sum | cut -c1-64)" = "$combined" ] ||
      echo "combined hash of $meta + $root"
  done < <(jq -r '.products[].versions[].items as $i
      | ($i[] | select(.ftype == "lxd.tar.xz")) as $m
      | ($i[] | select(.ftype == "squashfs" or .ftype == "root.tar.xz")) as $r
      | [$m.path, $r.path, ($m.combined_squashfs_sha256 // $m.combined_rootxz_sha256)] | @tsv' \
      "$d/streams/v1/images.json")
  [ -z "$(find "$d" -name '.nest-staging.*' -o -name '*.tmp-*')" ] || echo "staging left behind"
}
fp_of() { api GET "/1.0/images/aliases/$1"; jq -r .metadata.target <<<"$API_BODY"; }
fps_in_tree() {
  jq -r '.products[].versions[].items[]
    | if .ftype == "lxd_combined.tar.gz" then .sha256
      else (.combined_squashfs_sha256 // .combined_rootxz_sha256 // empty) end' \
    "$1/streams/v1/images.json" | sort | paste -sd' '
}

# --- images: builtin (unified), split squashfs, split root.tar.xz ---------------------
launch c1
nest delete -f c1 >/dev/null 2>&1
api GET '/1.0/images?recursion=1'
FP_BB=$(jq -r '.metadata[0].fingerprint // empty' <<<"$API_BODY")
CREATED_BB=$(jq -r '.metadata[0].created_at' <<<"$API_BODY")
[ ${#FP_BB} = 64 ] || die "no builtin image: $API_BODY"
expect_ok "alias bb" nest image alias create bb "$FP_BB"
expect_ok "export bb" nest image export bb "$W/bb.tar.gz"
streams_make_image "$W/bb.tar.gz" "$W/sq" squashed squashfs 1700000000 || die "making a squashfs image"
streams_make_image "$W/bb.tar.gz" "$W/tx" tarred tar 1700000000 || die "making a root.tar.xz image"
nest image import "$W/sq/meta.tar.gz" "$W/sq/rootfs.squashfs" --alias sq >/dev/null || die "import sq"
nest image import "$W/tx/meta.tar.gz" "$W/tx/rootfs.tar.xz" --alias tx >/dev/null || die "import tx"
FP_SQ=$(fp_of sq) FP_TX=$(fp_of tx)

# --- bad input first: nothing may be written --------------------------------------------
expect_fail 'image "nosuch" not found' nest image export-streams "$T" bb nosuch
check "unknown image: the tree directory was not created" not test -e "$T"
expect_fail 'no public images.*--all' nest image export-streams "$T"
check "no public images: the tree directory was not created" not test -e "$T"
mkdir -p "$W/other" && echo keep >"$W/other/notes.txt"
expect_fail "not a simplestreams tree" nest image export-streams "$W/other" bb
expect_eq "a foreign directory is left as it was" "notes.txt" "$(ls -A "$W/other")"
echo x >"$W/afile"
expect_fail "exists and is not a directory" nest image export-streams "$W/afile" bb
expect_fail "creating directory .*/no/such/dir: No such file or directory \\(its parent must exist\\)" nest image export-streams "$W/no/such/dir" bb
mkdir -p "$W/ro"
if mount -t tmpfs -o ro,size=1m tmpfs "$W/ro" 2>/dev/null; then
  expect_fail "creating directory $W/ro/tree: Read-only file system" nest image export-streams "$W/ro/tree" bb
  umount "$W/ro"
  mkdir -p "$W/ro2/tree" && mount -t tmpfs -o size=1m tmpfs "$W/ro2/tree" && mount -o remount,ro "$W/ro2/tree" &&
    expect_fail "staging directory in $W/ro2/tree: Read-only file system" nest image export-streams "$W/ro2/tree" bb
  umount "$W/ro2/tree" 2>/dev/null
else
  bad "could not mount a read-only tmpfs to test an unwritable DIR"
fi
mkdir -p "$T"
flock "$T" sleep 30 &
LOCKER=$!
sleep 0.3
expect_fail "being written by another export-streams" nest image export-streams "$T" bb
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null
rmdir "$T"

# --- first export: the three kinds ------------------------------------------------------
expect_ok "export-streams bb sq tx" nest image export-streams "$T" bb sq tx
expect_match "it says where each image went" "Exported: sq \(${FP_SQ:0:12}\) as busybox:squashed:amd64:default 20231114_2213" "$OUT"
expect_eq "tree is consistent (files, sizes, sha256, combined hashes)" "" "$(check_tree "$T")"
expect_eq "the tree's fingerprints are nest's" \
  "$(printf '%s\n' "$FP_BB" "$FP_SQ" "$FP_TX" | sort | paste -sd' ')" "$(fps_in_tree "$T")"
P=$T/streams/v1/images.json
expect_eq "index: one image-downloads entry at streams/v1/images.json" \
  "image-downloads streams/v1/images.json products:1.0 3" \
  "$(jq -r '.index.images | "\(.datatype) \(.path) \(.format) \(.products | length)"' "$T/streams/v1/index.json")"
expect_eq "products:1.0" "products:1.0 image-downloads" "$(jq -r '"\(.format) \(.datatype)"' "$P")"
expect_eq "index lists the products of images.json" \
  "$(jq -r '.products | keys[]' "$P" | paste -sd' ')" \
  "$(jq -r '.index.images.products[]' "$T/streams/v1/index.json" | sort | paste -sd' ')"
SERIAL_BB=$(date -u -d "$CREATED_BB" +%Y%m%d_%H%M)
expect_eq "bb: product fields (arch in Debian naming, os, release, variant, aliases, serial)" \
  "amd64 busybox builtin default bb $SERIAL_BB" \
  "$(jq -r '.products["busybox:builtin:amd64:default"] | "\(.arch) \(.os) \(.release) \(.variant) \(.aliases) \(.versions | keys | join(","))"' "$P")"
expect_eq "bb: one lxd_combined.tar.gz item whose sha256 is the fingerprint" \
  "lxd_combined.tar.gz $FP_BB" \
  "$(jq -r '.products["busybox:builtin:amd64:default"].versions[].items[] | "\(.ftype) \(.sha256)"' "$P")"
expect_eq "sq: lxd.tar.xz (combined_squashfs_sha256) + squashfs" \
  "lxd.tar.xz $FP_SQ|squashfs null" \
  "$(jq -r '[.products["busybox:squashed:amd64:default"].versions["20231114_2213"].items[] | "\(.ftype) \(.combined_squashfs_sha256)"] | sort | join("|")' "$P")"
expect_eq "tx: lxd.tar.xz (combined_rootxz_sha256 and combined_sha256) + root.tar.xz" \
  "lxd.tar.xz $FP_TX $FP_TX|root.tar.xz null null" \
  "$(jq -r '[.products["busybox:tarred:amd64:default"].versions[].items[] | "\(.ftype) \(.combined_rootxz_sha256) \(.combined_sha256)"] | sort | join("|")' "$P")"
expect_eq "files keep their real compression in their names" \
  "lxd.tar.gz root.tar.xz" \
  "$(jq -r '.products["busybox:tarred:amd64:default"].versions[].items[].path | sub(".*/"; "")' "$P" | sort | paste -sd' ')"
check "tree files are world-readable (any web server can serve them)" \
  test -z "$(find "$T" -type f ! -perm -0444)"

# --- re-runs: same images are kept, new ones merged, --prune drops old versions ------------
cp "$P" "$W/before.json"
expect_ok "re-export sq" nest image export-streams "$T" sq
expect_match "an image already there is reported" "Already in the tree: sq" "$OUT"
expect_eq "re-export changes no product" "$(jq -S 'del(.updated)' "$W/before.json")" "$(jq -S 'del(.updated)' "$P")"

streams_make_image "$W/bb.tar.gz" "$W/sq2" squashed squashfs 1700086400 || die "making sq v2"
nest image import "$W/sq2/meta.tar.gz" "$W/sq2/rootfs.squashfs" >/dev/null || die "import sq2"
FP_SQ2=$(nest image list -f json | jq -r --arg a "$FP_BB $FP_SQ $FP_TX" '.[].fingerprint | select(. as $f | $a | contains($f) | not)')
expect_ok "move alias sq to the new version" sh -c "'$NEST' image alias delete sq && '$NEST' image alias create sq '$FP_SQ2'"
expect_ok "export sq (new version)" nest image export-streams "$T" sq
expect_eq "the product has both serials" "20231114_2213 20231115_2213" \
  "$(jq -r '.products["busybox:squashed:amd64:default"].versions | keys | join(" ")' "$P")"
expect_eq "tree after the merge is consistent" "" "$(check_tree "$T")"
expect_eq "other products are kept" 3 "$(jq '.products | length' "$P")"
OLD_SQ_DIR=$T/images/busybox/squashed/amd64/default/20231114_2213
check "the old version's files are still there" test -f "$OLD_SQ_DIR/rootfs.squashfs"

expect_ok "export-streams --prune sq bb" nest image export-streams --prune "$T" sq bb
expect_match "prune reports what it removed" "Pruned 4 file" "$OUT"
expect_eq "after --prune only this run's images remain" \
  "$(printf '%s\n' "$FP_BB" "$FP_SQ2" | sort | paste -sd' ')" "$(fps_in_tree "$T")"
check "pruned files are gone" not test -e "$OLD_SQ_DIR"
check "pruned product directories are gone" not test -e "$T/images/busybox/tarred"
expect_eq "tree after --prune is consistent" "" "$(check_tree "$T")"

# --- selection: public by default, --all for every image ----------------------------------
api PATCH "/1.0/images/$FP_TX" -d '{"public":true}'
expect_eq "make tx public" 200 "$API_CODE"
expect_ok "export-streams with no IMAGE: the public ones" nest image export-streams "$W/pub"
expect_eq "only the public image" "$FP_TX" "$(fps_in_tree "$W/pub")"
expect_ok "export-streams --all" nest image export-streams --all "$W/every"
expect_eq "--all: every image" "$(nest image list -f json | jq -r '.[].fingerprint' | sort | paste -sd' ')" \
  "$(fps_in_tree "$W/every")"
expect_eq "--all tree is consistent" "" "$(check_tree "$W/every")"

# --- a tree that was tampered with is refused, not trusted -------------------------------
cp -a "$T" "$W/hostile"
jq '.products["busybox:builtin:amd64:default"].versions[].items[].path = "../../etc/passwd"' \
  "$P" >"$W/hostile/streams/v1/images.json"
expect_fail 'leaves the tree' nest image export-streams --prune "$W/hostile" tx
echo '{' >"$W/hostile/streams/v1/images.json"
expect_fail 'images.json is not valid JSON' nest image export-streams "$W/hostile" tx
check "a refused tree gets no new files" not test -e "$W/hostile/images/busybox/tarred"

# --- served over HTTP: what a client downloads is what the tree says ------------------------
streams_serve "$T" || die "could not start the test server"
run curl -sf "$STREAMS_URL/streams/v1/index.json"
expect_eq "index.json over HTTP" "$(cat "$T/streams/v1/index.json")" "$OUT"
path=$(jq -r '.products["busybox:squashed:amd64:default"].versions[].items[] | select(.ftype == "squashfs") | .path' "$P")
expect_eq "the squashfs over HTTP has the tree's sha256" \
  "$(jq -r --arg p "$path" '.. | objects | select(.path? == $p) | .sha256' "$P")" \
  "$(curl -sf "$STREAMS_URL/$path" | sha256sum | cut -c1-64)"
streams_stop

finish
