#!/bin/bash
# Server config: the three image keys, defaults, set/get/unset/show, validation
# messages naming key, value and expectation; persisted across restarts.
. "$(dirname "$0")/lib.sh"
nest_setup

declare -A def=([images.auto_update_cached]=true [images.auto_update_interval]=6 [images.remote_cache_expiry]=10)
for k in "${!def[@]}"; do
  run nest config get "$k"
  expect_eq "default of $k" "${def[$k]}" "$OUT"
done

expect_ok "config set images.auto_update_interval 12" nest config set images.auto_update_interval 12
run nest config get images.auto_update_interval
expect_eq "get after set" 12 "$OUT"
run nest config show
expect_match "config show lists the key" 'images.auto_update_interval: *"?12"?' "$OUT"
api GET /1.0
expect_eq "GET /1.0 config has the key" 12 "$(jq -r '.metadata.config["images.auto_update_interval"]' <<<"$API_BODY")"
expect_ok "set interval 0 (disables)" nest config set images.auto_update_interval 0
run nest config get images.auto_update_interval
expect_eq "interval 0 stored" 0 "$OUT"
expect_ok "set images.auto_update_cached false" nest config set images.auto_update_cached false
expect_ok "set images.remote_cache_expiry 3" nest config set images.remote_cache_expiry 3

stop_nestd; start_nestd || die "nestd did not restart"
run nest config get images.auto_update_cached
expect_eq "auto_update_cached persisted across a nestd restart" false "$OUT"
run nest config get images.remote_cache_expiry
expect_eq "remote_cache_expiry persisted across a nestd restart" 3 "$OUT"

for k in "${!def[@]}"; do
  expect_ok "config unset $k" nest config unset "$k"
  run nest config get "$k"
  expect_eq "unset $k restores the default" "${def[$k]}" "$OUT"
done
run nest config get images.auto_update_cached
check "unset auto_update_cached is not 'false' (LXD 5.0.2's bug)" test "$OUT" != false

expect_fail "images.auto_update_interval.*(abc)|abc.*images.auto_update_interval" nest config set images.auto_update_interval abc
expect_match "bad interval: says what is expected" 'integer|number|hours' "$OUT"
expect_fail "images.auto_update_interval.*12h|12h.*images.auto_update_interval" nest config set images.auto_update_interval 12h
expect_fail "images.auto_update_cached.*maybe|maybe.*images.auto_update_cached" nest config set images.auto_update_cached maybe
expect_match "bad bool: says what is expected" 'bool|true|false' "$OUT"
expect_fail "images.remote_cache_expiry.*1\.5|1\.5.*images.remote_cache_expiry" nest config set images.remote_cache_expiry 1.5
expect_match "bad expiry: says what is expected" 'integer|number|days' "$OUT"
expect_fail "no.such.key" nest config set no.such.key 1
expect_match "unknown key: says it is unknown" 'unknown|not supported|invalid|no such' "$OUT"
run nest config get images.auto_update_interval
check "refused values left the key alone (got '$OUT')" test "$OUT" = 6 -o -z "$OUT"

# Through the API: PATCH with a bad value is a 400 error envelope.
api PATCH /1.0 -H 'Content-Type: application/json' -d '{"config":{"images.auto_update_interval":"soon"}}'
expect_eq "PATCH /1.0 bad value → 400" 400 "$API_CODE"
expect_eq "PATCH /1.0 bad value → error envelope" error "$(jq -r .type <<<"$API_BODY" 2>&1)"
expect_match "PATCH error names the key and value" 'images.auto_update_interval.*soon|soon.*images.auto_update_interval' "$(jq -r .error <<<"$API_BODY" 2>&1)"
api PATCH /1.0 -H 'Content-Type: application/json' -d '{"config":{"images.auto_update_interval":"-3"}}'
expect_eq "PATCH /1.0 negative interval → 400" 400 "$API_CODE"
api PATCH /1.0 -H 'Content-Type: application/json' -d '{"config":{"images.remote_cache_expiry":"20"}}'
expect_eq "PATCH /1.0 good value → 200" 200 "$API_CODE"
run nest config get images.remote_cache_expiry
expect_eq "PATCH stored the value" 20 "$OUT"
finish
