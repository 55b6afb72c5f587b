#!/bin/bash
# Auto-update of images from a simplestreams remote (issue #4 points 4, 5, 6,
# 8, 9, 10), against a real HTTP server on loopback whose tree the test
# changes between steps, moving the daemon's clock with --clock-file:
#   - images.auto_update_interval 0: no check and no request at all
#   - a new interval applies at once, without a restart
#   - when the source alias names a new image: it is downloaded and verified,
#     the aliases move, auto_update and the source carry over, the old image is
#     kept while a container uses it (which keeps working and restarts) and is
#     collected once unused; new containers get the new image
#   - a dying server, a truncated file or a wrong hash leave the old image and
#     its aliases intact, nothing half-written, and the reason is reported
#   - image refresh: up to date / unreachable server answered quickly
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/streams_lib.sh"
require_cmd python3
nest_setup --no-daemon

CLOCK=$W/clock
set_clock() { echo "$1" >"$CLOCK"; }
set_clock 2031-01-10T12:00:00Z
start_nestd --clock-file "$CLOCK" || die "nestd did not start"

alias_fp() { api GET "/1.0/images/aliases/$1"; jq -r '.metadata.target // empty' <<<"$API_BODY"; }
img() { api GET "/1.0/images/$1"; jq -r "$2" <<<"$API_BODY"; }
has_image() { api GET "/1.0/images/$1"; [ "$API_CODE" = 200 ]; }
no_leftovers() { [ -z "$(find "$NEST_DIR/images" -maxdepth 1 -name '.tmp*' -print -quit)" ]; }

# --- three versions of "bb", each tree prepared up front ------------------------------------
# t1 holds version 1; t2 versions 1 and 2 (bb → 2); t3 all three (bb → 3). The
# served tree is overwritten with the next one between steps.
streams_export_builtin "$W/exp"
declare -a V
prev=
for n in 1 2 3; do
  streams_make_image "$BUILTIN_TAR" "$W/v$n" edge unified $((1924000000 + n * 100000)) || die "making version $n"
  [ -n "$prev" ] && cp -a "$W/t$prev" "$W/t$n"
  V[n]=$(streams_publish "$W/t$n" bb "$W/v$n/unified.tar.gz") || die "publishing version $n"
  prev=$n
done
V1=${V[1]} V2=${V[2]} V3=${V[3]}
[ "$V1" != "$V2" ] && [ "$V2" != "$V3" ] || die "versions share a fingerprint"
serve_tree() { cp -a "$W/t$1/." "$W/tree/"; }
mkdir -p "$W/tree"
serve_tree 1
streams_serve "$W/tree" || die "streams server"
expect_ok "remote add lab" nest remote add lab "$STREAMS_URL" --protocol simplestreams

expect_ok "image copy lab:bb --alias bb --auto-update" nest image copy lab:bb local: --alias bb --auto-update
expect_eq "bb is version 1" "$V1" "$(alias_fp bb)"
expect_eq "explicit copy: not cached" false "$(img "$V1" .metadata.cached)"
expect_eq "auto_update set" true "$(img "$V1" .metadata.auto_update)"
expect_eq "source alias recorded" bb "$(img "$V1" .metadata.update_source.alias)"
launch c1 bb

# --- interval 0: no checks, no traffic -------------------------------------------------------
expect_ok "interval 0" nest config set images.auto_update_interval 0
serve_tree 2
set_clock 2031-06-10T12:00:00Z
streams_log_reset
expect_ok "run-task image-update with interval 0" nest admin run-task image-update
expect_match "the task says it is disabled" 'disabled' "$OUT"
expect_eq "interval 0: not one request reached the remote" 0 "$(streams_request_count)"
expect_eq "bb still version 1" "$V1" "$(alias_fp bb)"
run nest image info bb
expect_match "image info: no next check with interval 0" 'Next check: never' "$OUT"

# --- a new interval applies at once: the scheduler refreshes by itself ---------------------------
expect_ok "interval 6" nest config set images.auto_update_interval 6
for _ in $(seq 1 100); do [ "$(alias_fp bb)" = "$V2" ] && break; sleep 0.1; done
expect_eq "without a restart or a run-task, bb moved to version 2" "$V2" "$(alias_fp bb)"
expect_eq "version 2 carries auto_update" true "$(img "$V2" .metadata.auto_update)"
expect_eq "version 2 carries the source" bb "$(img "$V2" .metadata.update_source.alias)"
expect_eq "version 2 is explicit as version 1 was" false "$(img "$V2" .metadata.cached)"
check "version 1 kept: c1 uses it" has_image "$V1"
expect_eq "version 1 lost its aliases" 0 "$(img "$V1" '.metadata.aliases | length')"
nexec c1 true
expect_eq "c1 keeps working" 0 "$RC"
expect_ok "c1 restarts" nest restart c1
launch c2 bb
api GET /1.0/instances/c2
expect_eq "a new container uses version 2" "$V2" "$(jq -r '.metadata.config["volatile.base_image"]' <<<"$API_BODY")"
run nest image info bb
expect_match "image info: last checked" 'Last checked: 2031/06/10 12:00 UTC' "$OUT"
expect_match "image info: next check 6 h later" 'Next check: 2031/06/10 18:00 UTC' "$OUT"
expect_ok "delete c1" nest delete -f c1
for _ in $(seq 1 100); do has_image "$V1" || break; sleep 0.1; done
check "once unused, superseded version 1 is collected" not has_image "$V1"

# --- failed downloads change nothing ------------------------------------------------------------
serve_tree 3
hour=1
for fault in drop truncate corrupt; do
  # each check is due images.auto_update_interval (6 h) after the last one
  set_clock "$(printf '2031-06-11T%02d:00:00Z' $hour)"; hour=$((hour + 7))
  streams_fault "$fault" "" '*.tar.gz'
  run nest admin run-task image-update
  expect_match "$fault: the task reports the failure" "Failed to check image ${V2:0:12}" "$OUT"
  expect_eq "$fault: bb still version 2" "$V2" "$(alias_fp bb)"
  check "$fault: version 3 not in the store" not has_image "$V3"
  check "$fault: no partial files" no_leftovers
done
streams_fault none
expect_ok "image refresh bb" nest image refresh bb
expect_match "refresh moved bb" "refreshed to ${V3:0:12}" "$OUT"
expect_eq "bb is version 3" "$V3" "$(alias_fp bb)"
expect_ok "image refresh bb again" nest image refresh bb
expect_match "already up to date" 'up to date' "$OUT"

# --- unreachable server ------------------------------------------------------------------------
streams_stop
SECONDS=0
expect_fail '127\.0\.0\.1' nest image refresh bb
((SECONDS < 30)) && ok "unreachable server answered within ${SECONDS}s" || bad "refresh took ${SECONDS}s"
expect_eq "bb still version 3" "$V3" "$(alias_fp bb)"

finish
