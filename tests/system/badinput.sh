#!/bin/bash
# Bad input: clear error, non-zero exit, nothing left behind.
. "$(dirname "$0")/lib.sh"
nest_setup

nothing_named() { # NAME: absent from the API and from $NEST_DIR/containers
  local n=$1 s
  s=$(status_of "$n")
  if [ -z "$s" ] && [ ! -e "$NEST_DIR/containers/$n" ]; then ok "nothing left for '$n'"; else
    bad "left behind for '$n': status '$s', dir $(ls -d "$NEST_DIR/containers/$n" 2>&1)"
  fi
}

expect_fail 'unknown command "lanch" for "nest"' nest lanch builtin:busybox x0
expect_fail "nope|not found|unknown|no such" nest launch builtin:nope x1
nothing_named x1
expect_fail "nosuchremote|remote|not found|unknown" nest launch nosuchremote:busybox x2
nothing_named x2
expect_fail "no-such-alias|not found|unknown" nest init no-such-alias x3
nothing_named x3

launch c1
expect_fail "already exists|exists" nest launch builtin:busybox c1
expect_eq "the original c1 is untouched" Running "$(status_of c1)"

for n in 1bad a_b bad. 'a b' "$(printf 'a%.0s' {1..70})"; do
  expect_fail "name|invalid|hostname" nest init builtin:busybox "$n"
done
expect_fail "name|invalid|hostname|option|-x" nest init builtin:busybox -- -x
run nest list --format json
expect_eq "only c1 exists after the refused names" c1 "$(jq -r '.[].name' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"
check "no stray container dirs" test "$(ls "$NEST_DIR/containers" 2>/dev/null | tr '\n' ' ')" = "c1 "

CREATED+=(s1)
expect_ok "init s1" nest init builtin:busybox s1
expect_fail "not running|stopped" nest exec s1 -- true </dev/null
expect_fail "running|stop|force|-f" nest delete c1
expect_eq "refused delete left c1 Running" Running "$(status_of c1)"
expect_fail "not found|no such|does not exist" nest exec nope -- true </dev/null
expect_fail "not found|no such|does not exist" nest start nope

# Not JSON → 400 error envelope.
api POST /1.0/instances -H 'Content-Type: application/json' -d 'nope'
expect_eq "POST /1.0/instances 'nope' → 400" 400 "$API_CODE"
expect_eq "error envelope type" error "$(jq -r .type <<<"$API_BODY" 2>&1)"
expect_eq "error envelope error_code" 400 "$(jq -r .error_code <<<"$API_BODY" 2>&1)"
check "error envelope has a message ($(jq -r .error <<<"$API_BODY" 2>&1))" test -n "$(jq -r '.error // empty' <<<"$API_BODY" 2>/dev/null)"
expect_eq "error envelope metadata null" null "$(jq -r .metadata <<<"$API_BODY" 2>&1)"
api POST /1.0/instances -H 'Content-Type: application/json' -d '{"name": "x5", "source": {"type": "image", "alias": "nope-alias"}}'
check "POST an unknown image → 4xx ($API_CODE) or a failed operation" test "$API_CODE" -ge 400 -o "$API_CODE" = 202
api GET /1.0/no-such-endpoint
expect_eq "unknown endpoint → 404" 404 "$API_CODE"
expect_eq "unknown endpoint → error envelope" error "$(jq -r .type <<<"$API_BODY" 2>&1)"
api PUT /1.0/instances/c1/state -H 'Content-Type: application/json' -d '{"action":"dance"}'
check "state action 'dance' → 400 ($API_CODE)" test "$API_CODE" = 400
sleep 0.5
nothing_named x5

# nestd not running → the message says how to start it.
stop_nestd
expect_fail "nestd" nest list
expect_match "…and how to start it" 'nestd (--detach|--foreground)|start|run' "$OUT"
expect_match "…and names the socket" "unix.socket|$NEST_DIR" "$OUT"
finish
