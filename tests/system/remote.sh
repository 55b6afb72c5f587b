#!/bin/bash
# Remotes and pulling images from them (issue #4 part A): nest remote verbs and
# the config file; launch REMOTE:ALIAS → cached image (auto_update from
# images.auto_update_cached); image copy → explicit (clears cached; --alias,
# --auto-update, --public, --copy-aliases); unified and split simplestreams
# images; unknown remote/alias; hostile index; sha256 mismatch, truncated and
# stalled downloads leave nothing behind; an unreachable remote fails fast while
# a cached launch still works and says so; the lxd protocol against a second
# nestd on its unix socket; the stock lxc client pulling through nestd.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
require_cmd python3
nest_setup

# --- simplestreams trees made from builtin:busybox, served on loopback -------------
# Products (aliases) busybox (unified), bbsplit (split: lxd.tar.* + root.tar.xz)
# and other (unified); each image has /etc/nest-fixture = "vN NAME". $W/t1 holds
# version 1 of the three, $W/t2 only version 2 (newer serials). $W/srv is served.
streams_export_builtin "$W/export"
declare -A FP
for v in 1 2; do
  created=$((1700000000 + v * 100000))
  for p in busybox bbsplit other; do
    kind=unified
    [ $p = bbsplit ] && kind=tar
    streams_make_image "$BUILTIN_TAR" "$W/img/v$v-$p" $p $kind $created "v$v $p" || die "making v$v $p"
  done
  FP[$v,busybox]=$(streams_publish "$W/t$v" busybox "$W/img/v$v-busybox/unified.tar.gz") || die "publishing v$v busybox"
  FP[$v,bbsplit]=$(streams_publish "$W/t$v" bbsplit "$W/img/v$v-bbsplit/meta.tar.gz" \
    "$W/img/v$v-bbsplit/rootfs.tar.xz") || die "publishing v$v bbsplit"
  FP[$v,other]=$(streams_publish "$W/t$v" other "$W/img/v$v-other/unified.tar.gz") || die "publishing v$v other"
done
FP_BB=${FP[1,busybox]} FP_SPLIT=${FP[1,bbsplit]} FP_OTHER=${FP[1,other]}
cp -a "$W/t1" "$W/srv"
streams_serve "$W/srv" || die "the streams server did not start"
URL=$STREAMS_URL
# nest_cleanup exits with the status it finds in $?: keep the test's, not the kill's.
trap 'rc=$?; streams_stop; (exit $rc); nest_cleanup' EXIT

images_count() { api GET /1.0/images; jq '.metadata | length' <<<"$API_BODY"; }
image_field() { api GET "/1.0/images/$1"; jq -r "$2" <<<"$API_BODY"; }
tmp_left() { find "$NEST_DIR/images" -maxdepth 1 -name '.tmp-*' | wc -l; }

# --- remote verbs -----------------------------------------------------------------------
expect_ok "remote add lab (simplestreams)" nest remote add lab "$URL" --protocol simplestreams
expect_match "config file written" "lab:" "$(cat "$NEST_CONF_DIR/config.yml")"
run nest remote list
expect_match "remote list shows lab" "lab .*$URL.*simplestreams" "$OUT"
expect_match "remote list shows builtin and local" "builtin.*local|local.*builtin" "$(tr '\n' ' ' <<<"$OUT")"
run nest remote list --format json
expect_eq "remote list json: lab's protocol" simplestreams "$(jq -r .lab.protocol <<<"$OUT")"
run nest remote list --format csv
expect_match "remote list csv" "^lab,$URL,simplestreams," "$OUT"
expect_fail 'already exists' nest remote add lab "$URL" --protocol simplestreams
expect_fail 'unsupported scheme' nest remote add bad ftp://127.0.0.1/ --protocol simplestreams
expect_fail 'http:// or https://' nest remote add bad unix:///tmp/x.socket --protocol simplestreams
expect_fail 'invalid remote name' nest remote add 'a:b' "$URL" --protocol simplestreams
expect_fail 'built in' nest remote remove local
expect_fail 'built in' nest remote rename builtin bi
expect_fail "doesn't exist" nest remote remove nosuch
expect_ok "remote rename lab → lab2" nest remote rename lab lab2
expect_ok "remote switch lab2" nest remote switch lab2
run nest remote get-default
expect_eq "get-default" lab2 "$OUT"
expect_fail 'default remote' nest remote remove lab2
expect_ok "remote switch local" nest remote switch local
expect_ok "remote rename lab2 → lab" nest remote rename lab2 lab
expect_fail 'unknown remote "nope"' nest launch nope:busybox c0

# --- launch REMOTE:ALIAS → a cached image ---------------------------------------------------
N0=$(images_count)
CREATED+=(c1)
run nest launch lab:busybox c1
expect_eq "launch lab:busybox c1" 0 "$RC"
wait_status c1 Running 15 || bad "c1 not running"
nexec c1 cat /etc/nest-fixture
expect_eq "c1 runs the downloaded image" "v1 busybox" "$OUT"
expect_eq "the image is cached" true "$(image_field "$FP_BB" .metadata.cached)"
expect_eq "cached auto_update = images.auto_update_cached (default true)" true "$(image_field "$FP_BB" .metadata.auto_update)"
expect_eq "update_source alias" busybox "$(image_field "$FP_BB" .metadata.update_source.alias)"
expect_eq "update_source protocol" simplestreams "$(image_field "$FP_BB" .metadata.update_source.protocol)"
expect_eq "update_source server" "$URL" "$(image_field "$FP_BB" .metadata.update_source.server)"
expect_eq "the cached image is private" false "$(image_field "$FP_BB" .metadata.public)"
expect_match "last_used_at is set" '^20[0-9]{2}-' "$(image_field "$FP_BB" .metadata.last_used_at)"
expect_eq "nothing left in .tmp-*" 0 "$(tmp_left)"

expect_ok "config set images.auto_update_cached false" nest config set images.auto_update_cached false
CREATED+=(c2)
run nest launch lab:bbsplit c2
expect_eq "launch lab:bbsplit c2 (split image, root.tar.xz)" 0 "$RC"
nexec c2 cat /etc/nest-fixture
expect_eq "c2 runs the split image" "v1 bbsplit" "$OUT"
expect_eq "split image fingerprint = combined hash, cached" true "$(image_field "$FP_SPLIT" .metadata.cached)"
expect_eq "cached auto_update follows the key at creation (false)" false "$(image_field "$FP_SPLIT" .metadata.auto_update)"
expect_eq "changing the key later leaves the first image alone" true "$(image_field "$FP_BB" .metadata.auto_update)"
expect_ok "config unset images.auto_update_cached" nest config unset images.auto_update_cached

# --- image copy → explicit --------------------------------------------------------------------
expect_ok "image copy lab:busybox local: --alias bb (already cached)" nest image copy lab:busybox local: --alias bb
expect_eq "copy clears cached" false "$(image_field "$FP_BB" .metadata.cached)"
api GET /1.0/images/aliases/bb
expect_eq "alias bb → the image" "$FP_BB" "$(jq -r .metadata.target <<<"$API_BODY")"
run nest image copy lab:other local: --auto-update --public --copy-aliases
expect_eq "image copy lab:other --auto-update --public --copy-aliases" 0 "$RC"
expect_match "image copy says so" 'copied successfully' "$OUT"
expect_eq "copied image not cached" false "$(image_field "$FP_OTHER" .metadata.cached)"
expect_eq "copied image auto_update" true "$(image_field "$FP_OTHER" .metadata.auto_update)"
expect_eq "copied image public" true "$(image_field "$FP_OTHER" .metadata.public)"
expect_eq "copied image update_source alias" other "$(image_field "$FP_OTHER" .metadata.update_source.alias)"
api GET /1.0/images/aliases/other
expect_eq "--copy-aliases made alias other" "$FP_OTHER" "$(jq -r .metadata.target <<<"$API_BODY")"
expect_fail 'already exists' nest image copy lab:other local: --alias bb
# By fingerprint: LXD records no source then.
api DELETE "/1.0/images/$FP_OTHER"; sleep 0.5
expect_ok "image copy by fingerprint" nest image copy "lab:${FP_OTHER:0:16}" local:
expect_eq "copy by fingerprint records no update_source" null "$(image_field "$FP_OTHER" .metadata.update_source)"

# --- bad input ------------------------------------------------------------------------------------
N1=$(images_count)
expect_fail 'alias "nosuch" not found' nest launch lab:nosuch c9
expect_fail 'alias "nosuch" not found' nest image copy lab:nosuch local:
expect_eq "no instance c9" "" "$(status_of c9)"
expect_fail 'images can only be copied to local' nest image copy lab:busybox lab:

# A new version whose file does not match the announced sha256.
mv "$W/srv" "$W/srv.v1"
cp -a "$W/t2" "$W/srv"
streams_fault corrupt '/images/*/other/*'
expect_fail 'sha256 mismatch' nest image copy lab:other local: --alias other2
expect_eq "hash mismatch: no new image" "$N1" "$(images_count)"
expect_eq "hash mismatch: nothing left in .tmp-*" 0 "$(tmp_left)"
api GET /1.0/images/aliases/other2
expect_eq "hash mismatch: no alias" 404 "$API_CODE"

streams_fault drop '/images/*'
expect_fail 'truncated|ended early' nest image copy lab:bbsplit local:
expect_eq "dying server: no new image" "$N1" "$(images_count)"
expect_eq "dying server: nothing left in .tmp-*" 0 "$(tmp_left)"
streams_fault delay 600 '/images/*'
T0=$(date +%s)
expect_fail 'stalled|no answer' nest image copy lab:bbsplit local:
expect_match "a stalled server fails within the idle timeout (<40 s)" '^([0-9]|[1-3][0-9])$' "$(($(date +%s) - T0))"
expect_eq "stalled server: no new image" "$N1" "$(images_count)"
streams_fault none

rm -rf "$W/srv"
cp -a "$W/t2" "$W/srv"
streams_hostile_path "$W/srv" busybox || die "making busybox's path hostile"
expect_fail "inside the stream's tree" nest image copy lab:other local:
expect_eq "hostile index: no new image" "$N1" "$(images_count)"
echo '{"index": [' >"$W/srv/streams/v1/index.json"
expect_fail 'not valid JSON' nest image copy lab:other local:
rm -rf "$W/srv"; mv "$W/srv.v1" "$W/srv"

# --- the remote is down -------------------------------------------------------------------------------
streams_stop
T0=$(date +%s)
CREATED+=(c3)
run nest launch lab:busybox c3
T1=$(date +%s)
expect_eq "cached launch works while the remote is down" 0 "$RC"
expect_match "and says so, with the image's age" 'unreachable.*local copy.*busybox.*ago' "$OUT"
expect_match "within seconds" '^[0-9]$' "$((T1 - T0))"
nexec c3 cat /etc/nest-fixture
expect_eq "c3 runs the cached image" "v1 busybox" "$OUT"
T0=$(date +%s)
expect_fail 'cannot reach|refused' nest image copy lab:bbsplit local: --alias x
expect_match "unreachable remote fails fast" '^[0-9]$' "$(($(date +%s) - T0))"
expect_fail 'cannot reach|refused' nest launch lab:nosuch c8
expect_eq "unreachable: no new image" "$N1" "$(images_count)"

# --- lxd protocol: a second nestd on its unix socket -------------------------------------------------
PEER=$W/peer
start_peer_nestd "$PEER" || die "the peer nestd did not start"
peer() { NEST_DIR=$PEER timeout -k 5 "$TMO" "$NEST" "$@"; }
SPLIT_DIR=$(dirname "$(find "$W/srv/images" -path '*/bbsplit/*' -name 'root.tar.*')")
expect_ok "peer: import the split fixture" peer image import "$SPLIT_DIR"/lxd.tar.* "$SPLIT_DIR"/root.tar.* --alias pb
expect_ok "remote add peer (lxd over unix)" nest remote add peer "unix://$PEER/unix.socket"
nest delete -f c2 >/dev/null 2>&1
api DELETE "/1.0/images/$FP_SPLIT"; sleep 0.5
run nest image copy peer:pb local: --alias frompeer
expect_eq "image copy peer:pb local: (lxd protocol, split export)" 0 "$RC"
api GET /1.0/images/aliases/frompeer
expect_eq "the peer's image arrived with its fingerprint" "$FP_SPLIT" "$(jq -r .metadata.target <<<"$API_BODY")"
expect_eq "lxd-protocol source recorded" lxd "$(image_field "$FP_SPLIT" .metadata.update_source.protocol)"
expect_fail 'not found' nest image copy peer:nosuch local:
kill "$PEER_NESTD_PID" 2>/dev/null; wait "$PEER_NESTD_PID" 2>/dev/null

# --- the stock lxc client drives nestd's pull -------------------------------------------------------------
# lxc itself only accepts https simplestreams remotes (and resolves them on the
# client side), so the stock client posts the pull through `lxc query`.
if command -v lxc >/dev/null; then
  streams_serve "$W/srv" || die "the streams server did not restart"
  export LXD_DIR=$NEST_DIR LXD_CONF=$W/lxc-conf
  mkdir -p "$LXD_CONF"
  timeout 10 lxc remote list >/dev/null 2>&1
  api DELETE "/1.0/images/$FP_OTHER"; sleep 0.5
  body='{"source":{"type":"image","mode":"pull","protocol":"simplestreams","server":"'$STREAMS_URL'","fingerprint":"other"},"aliases":[{"name":"lxcother"}]}'
  run timeout 60 lxc query --wait -X POST /1.0/images --data "$body"
  expect_eq "lxc query --wait POST /1.0/images (pull, alias sent as fingerprint as lxc does)" 0 "$RC"
  api GET /1.0/images/aliases/lxcother
  expect_eq "the pull landed in nestd" "$FP_OTHER" "$(jq -r .metadata.target <<<"$API_BODY")"
  expect_eq "alias-in-fingerprint is recorded as the source alias" other "$(image_field "$FP_OTHER" .metadata.update_source.alias)"
  run timeout 30 lxc image list --format csv
  expect_match "lxc image list shows it" "lxcother" "$OUT"
  unset LXD_DIR LXD_CONF
else
  log "lxc not installed: stock client check skipped"
fi
finish
