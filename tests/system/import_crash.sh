#!/bin/bash
# Issue #3: a kill -9 of nestd in the middle of an image import leaves no partial
# image and no temporary files once nestd has started again, and the store works.
# Killed twice: while the body is being received (spooled) and while the tree is
# being unpacked.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd tar head sha256sum

# A unified image big enough to be caught mid-way: many files (slow to unpack).
mkdir -p "$W/big/rootfs/data"
printf 'architecture: %s\ncreation_date: 1700000000\nproperties:\n  os: crashtest\n' \
  "$(uname -m)" >"$W/big/metadata.yaml"
for i in $(seq 1 3000); do head -c 40000 /dev/urandom >"$W/big/rootfs/data/f$i"; done
(cd "$W/big" && tar --numeric-owner -cf "$W/big.tar" metadata.yaml rootfs) || die "tar"
rm -rf "$W/big"
FP=$(sha256sum "$W/big.tar" | cut -d' ' -f1)
log "image of $(stat -c %s "$W/big.tar") bytes, fingerprint $FP"

leftovers() { find "$NEST_DIR/images" -mindepth 1 -maxdepth 1 | wc -l; }
temporaries() { find "$NEST_DIR" -name '.tmp-*' | wc -l; }

# kill_during WHAT PREDICATE: starts an import, waits (bounded) until PREDICATE
# holds, then kills nestd with SIGKILL and starts it again.
kill_during() {
  local what=$1 pred=$2 i caught=0
  "$NEST" image import "$W/big.tar" --alias big >"$W/import.out" 2>&1 &
  local client=$!
  for i in $(seq 1 400); do
    if eval "$pred"; then caught=1; break; fi
    sleep 0.02
  done
  kill -9 "$NESTD_PID"
  wait "$NESTD_PID" 2>/dev/null
  wait "$client" 2>/dev/null
  if ((caught)); then ok "nestd killed -9 $what"; else bad "never saw nestd $what (killed anyway)"; fi
  start_nestd || die "nestd did not start again after kill -9 ($what)"
  expect_eq "after a kill -9 $what: no temporary files" 0 "$(temporaries)"
  expect_eq "after a kill -9 $what: nothing in images/" 0 "$(leftovers)"
  api GET /1.0/images
  expect_eq "after a kill -9 $what: no image row" 0 "$(jq '.metadata | length' <<<"$API_BODY")"
  api GET /1.0/images/aliases
  expect_eq "after a kill -9 $what: no alias" 0 "$(jq '.metadata | length' <<<"$API_BODY")"
}

kill_during "while receiving the body" '[ "$(find "$NEST_DIR" -name ".tmp-body-*" | wc -l)" -gt 0 ]'
# Unpacking: a temporary tree holding some of the image's files.
kill_during "while unpacking" \
  '[ -n "$(find "$NEST_DIR/images" -path "*/.tmp-*/*" -name "f1*" -print -quit 2>/dev/null)" ]'

# The store still works: the same import completes, with the same fingerprint.
expect_ok "import after the crashes" "$NEST" image import "$W/big.tar" --alias big
api GET /1.0/images/aliases/big
expect_eq "alias big → the image's fingerprint" "$FP" "$(jq -r .metadata.target <<<"$API_BODY")"
expect_eq "no temporary files after a clean import" 0 "$(temporaries)"
finish
