#!/bin/bash
# The image cache's expiry rules (issue #4 points 3, 5, 6, 9, 10), moving the
# daemon's clock with `nestd --clock-file` and running the collector with
# `nest admin run-task image-expiry`, without sleeping:
#   - a cached image unused for images.remote_cache_expiry days is removed;
#     one day less is kept; 0 days disables expiry
#   - an image a container was created from is never removed: the container
#     keeps running and restarts; once the container is deleted the image goes
#     (the collector runs by itself after the delete)
#   - explicit (imported) images never expire
#   - a new expiry applies at once, without a restart
#   - image info shows when a cached image will expire and who uses it
#   - files of an image without a row are removed at the next start
. "$(dirname "$0")/lib.sh"
nest_setup --no-daemon

CLOCK=$W/clock
set_clock() { echo "$1" >"$CLOCK"; }
T0=2031-01-10T12:00:00Z
set_clock "$T0"
start_nestd --clock-file "$CLOCK" || die "nestd did not start"

image_fp() { # image_fp: the first image's fingerprint
  api GET '/1.0/images?recursion=1'
  jq -r '.metadata[0].fingerprint // empty' <<<"$API_BODY"
}
has_image() { api GET "/1.0/images/$1"; [ "$API_CODE" = 200 ]; }
# wait_gone FP: the collector runs by itself after a delete or a config change
wait_gone() {
  local i
  for i in $(seq 1 100); do has_image "$1" || return 0; sleep 0.1; done
  return 1
}

# --- a cached image in use ---------------------------------------------------------
launch c1
FP=$(image_fp)
[ ${#FP} = 64 ] || die "no image after launching builtin:busybox"
api GET "/1.0/images/$FP"
expect_eq "the launched image is cached" true "$(jq -r .metadata.cached <<<"$API_BODY")"
expect_eq "its last use is the daemon clock's now" "2031-01-10T12:00:00Z" "$(jq -r .metadata.last_used_at <<<"$API_BODY")"
expect_eq "it expires 10 days (the default) after its last use" "2031-01-20T12:00:00Z" \
  "$(jq -r .metadata.cache_expires_at <<<"$API_BODY")"
run nest image info "$FP"
expect_match "image info: cache expiry" '^Cache expires: 2031/01/20 12:00 UTC' "$OUT"
expect_match "image info: used by c1" '^    - c1$' "$OUT"

set_clock 2031-01-20T11:00:00Z
expect_ok "run-task image-expiry (9 days 23 h later)" nest admin run-task image-expiry
expect_match "nothing removed before the expiry" '0 image\(s\) removed' "$OUT"
check "image kept one hour before it expires" has_image "$FP"

set_clock 2031-02-10T12:00:00Z
expect_ok "run-task image-expiry (31 days later)" nest admin run-task image-expiry
check "an expired image that a container uses is kept" has_image "$FP"
nexec c1 true
expect_eq "the container keeps working" 0 "$RC"
expect_ok "and restarts" nest restart c1
wait_status c1 Running 15 && ok "c1 running after restart" || bad "c1 not running after restart"

expect_ok "delete c1" nest delete -f c1
if wait_gone "$FP"; then ok "once unused, the expired image is collected without being asked"
else bad "the expired image is still there 10 s after its last container went"; fi
[ ! -e "$NEST_DIR/images/$FP" ] && [ ! -e "$NEST_DIR/images/$FP.rootfs" ] &&
  ok "its files are gone" || bad "files of $FP left: $(ls "$NEST_DIR/images")"

# --- expiry disabled, then a new expiry applied without a restart ---------------------
set_clock 2031-03-01T00:00:00Z
launch c2
FP2=$(image_fp)
expect_ok "delete c2" nest delete -f c2
expect_ok "config set images.remote_cache_expiry 0" nest config set images.remote_cache_expiry 0
set_clock 2032-03-01T00:00:00Z
expect_ok "run-task image-expiry a year later" nest admin run-task image-expiry
check "0 days: cached images never expire" has_image "$FP2"
run nest image info "$FP2"
expect_match "image info says expiry is off" '^Cache expires: never' "$OUT"
expect_ok "config set images.remote_cache_expiry 1" nest config set images.remote_cache_expiry 1
if wait_gone "$FP2"; then ok "a new images.remote_cache_expiry applies at once, without a restart"
else bad "image $FP2 still there after setting the expiry to 1 day"; fi

# --- explicit images never expire --------------------------------------------------------
set_clock 2032-04-01T00:00:00Z
launch c3
FP3=$(image_fp)
mkdir -p "$W/export"
expect_ok "export the builtin image" nest image export "$FP3" "$W/export"
expect_ok "delete c3" nest delete -f c3
expect_ok "delete the cached image" nest image delete "$FP3"
expect_ok "import it: an explicit image" nest image import "$W/export/$FP3".* --alias bb
api GET "/1.0/images/$FP3"
expect_eq "an imported image is not cached" false "$(jq -r .metadata.cached <<<"$API_BODY")"
set_clock 2040-01-01T00:00:00Z
expect_ok "run-task image-expiry 8 years later" nest admin run-task image-expiry
check "explicit images never expire" has_image "$FP3"

# --- bad input -----------------------------------------------------------------------------
expect_fail 'unknown task "nosuch".*image-expiry.*image-update' nest admin run-task nosuch
echo "not a time" >"$CLOCK"
expect_ok "a malformed clock file does not stop the task" nest admin run-task image-expiry
expect_match "a malformed clock file is reported in the log" "clock file $CLOCK" "$(cat "$W/nestd.out")"

# --- leftover files without a row go at the next start -------------------------------------
LEFT=$(printf 'ab%.0s' $(seq 1 32))
mkdir "$NEST_DIR/images/$LEFT.rootfs" && touch "$NEST_DIR/images/$LEFT"
stop_nestd
start_nestd --clock-file "$CLOCK" || die "nestd did not restart"
[ ! -e "$NEST_DIR/images/$LEFT" ] && [ ! -e "$NEST_DIR/images/$LEFT.rootfs" ] &&
  ok "files of an image without a row are removed at start" || bad "leftover $LEFT still there"
check "the explicit image survives the restart" has_image "$FP3"

finish
