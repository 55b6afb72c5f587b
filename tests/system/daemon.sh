#!/bin/bash
# nestd itself: --detach, socket permissions, envelopes, operations, ETag.
. "$(dirname "$0")/lib.sh"
nest_setup --no-daemon

t0=$(date +%s%N)
run timeout 20 "$NESTD" --detach
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "nestd --detach exits 0 ($ms ms)" 0 "$RC"
check "the socket answers as soon as --detach returns" sock_answers
dpid=$(our_pids nestd | head -n1)
check "a detached nestd is running ($dpid)" test -n "$dpid"
[ -n "$dpid" ] && check "it is not our child (own session)" test "$(ps -o sid= -p "$dpid" | tr -d ' ')" = "$dpid"
check "detached nestd logs to \$NEST_DIR/nestd.log" test -f "$NEST_DIR/nestd.log"
expect_eq "socket mode" 660 "$(stat -c %a "$NEST_DIR/unix.socket")"
if getent group nest >/dev/null; then
  expect_eq "socket owner:group" root:nest "$(stat -c %U:%G "$NEST_DIR/unix.socket")"
else
  expect_eq "socket owner" root "$(stat -c %U "$NEST_DIR/unix.socket")"
fi
check "nest.db exists" test -f "$NEST_DIR/nest.db"
if command -v sqlite3 >/dev/null; then
  v=$(sqlite3 "$NEST_DIR/nest.db" 'PRAGMA user_version;' 2>/dev/null)
  t=$(sqlite3 "$NEST_DIR/nest.db" ".tables" 2>/dev/null)
  log "schema: user_version=$v tables: $(tr -s ' \n' ' ' <<<"$t")"
  expect_match "nest.db has an instances table" '(^| )instances( |$)' "$(tr -s ' \n' ' ' <<<"$t")"
fi

api GET /1.0
expect_eq "GET /1.0 → 200" 200 "$API_CODE"
expect_eq "sync envelope" "sync Success 200" "$(jq -r '"\(.type) \(.status) \(.status_code)"' <<<"$API_BODY")"
expect_eq "api_version" 1.0 "$(jq -r .metadata.api_version <<<"$API_BODY")"
check "api_extensions is a list" test "$(jq -r '.metadata.api_extensions | type' <<<"$API_BODY")" = array
expect_match "ETag on GET /1.0" '^etag: ' "$API_HEADERS"
api GET /1.0/instances
expect_eq "GET /1.0/instances → []" "[]" "$(jq -c .metadata <<<"$API_BODY")"

# async create: 202 + operation, /wait, lifecycle
api POST /1.0/instances -H 'Content-Type: application/json' \
  -d '{"name":"a1","source":{"type":"image","alias":"busybox","server":"builtin","protocol":"builtin"}}'
CREATED+=(a1)
if [ "$API_CODE" = 202 ]; then
  ok "POST /1.0/instances → 202"
  expect_eq "async envelope" "async Operation created 100" "$(jq -r '"\(.type) \(.status) \(.status_code)"' <<<"$API_BODY")"
  expect_match "operation metadata status Pending/Running" '^(Pending|Running)$' "$(jq -r .metadata.status <<<"$API_BODY")"
  op=$(jq -r .operation <<<"$API_BODY")
  expect_match "operation URL" '^/1.0/operations/[0-9a-f-]+$' "$op"
  api GET "$op/wait?timeout=30"
  expect_eq "operation /wait → Success" Success "$(jq -r .metadata.status <<<"$API_BODY")"
  [ "$(jq -r .metadata.status <<<"$API_BODY")" = Success ] || log "operation: $(jq -c .metadata <<<"$API_BODY" | head -c 400)"
  api GET "$op"
  check "GET the finished operation → 200 or 404 ($API_CODE)" test "$API_CODE" = 200 -o "$API_CODE" = 404
else
  log "POST /1.0/instances with alias builtin:busybox → $API_CODE (not how nest names the built-in image?): $(head -c 300 <<<"$API_BODY")"
  nest init builtin:busybox a1 >/dev/null 2>&1
fi
api PUT /1.0/instances/a1/state -H 'Content-Type: application/json' -d '{"action":"start","timeout":-1}'
expect_eq "PUT state start → 202" 202 "$API_CODE"
api GET "$(jq -r .operation <<<"$API_BODY")/wait?timeout=30"
expect_eq "start operation → Success" Success "$(jq -r .metadata.status <<<"$API_BODY")"
expect_eq "a1 Running" Running "$(status_of a1)"
api GET /1.0/operations
expect_eq "GET /1.0/operations → 200" 200 "$API_CODE"
api GET /1.0/operations/00000000-0000-0000-0000-000000000000
expect_eq "unknown operation → 404" 404 "$API_CODE"

expect_ok "stop -f a1" nest stop -f a1
expect_ok "delete a1" nest delete a1

# a second --detach while one runs must not start a second daemon
run timeout 20 "$NESTD" --detach
expect_eq "one nestd for this NEST_DIR" 1 "$(our_pids nestd | wc -l)"
finish
