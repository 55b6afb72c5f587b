#!/bin/bash
# Missing or too small subuid/subgid delegation: launch fails naming the file
# and the line to add, and nothing is left behind.
. "$(dirname "$0")/lib.sh"
nest_setup --no-daemon

good_uid=$W/subuid.good good_gid=$W/subgid.good
printf 'root:1000000:1000000000\n' >"$good_uid"; cp "$good_uid" "$good_gid"

try() { # try LABEL UIDFILE GIDFILE EXPECTED_FILE
  local label=$1
  export NEST_SUBUID_FILE=$2 NEST_SUBGID_FILE=$3
  start_nestd || die "nestd did not start with NEST_SUBUID_FILE=$2"
  local name=sub-$label
  CREATED+=("$name")
  expect_fail "$(sed 's/[.]/\\./g' <<<"$4")" nest launch builtin:busybox "$name"
  expect_match "$label: the message gives the line to add" 'root:[0-9]+:[0-9]+' "$OUT"
  local s; s=$(status_of "$name")
  if [ -z "$s" ] && [ ! -e "$NEST_DIR/containers/$name" ]; then ok "$label: nothing left behind"; else
    bad "$label: left behind: status '$s', $(ls -d "$NEST_DIR/containers/$name" 2>&1)"
  fi
  check "$label: no monitor process left (the spare aside)" test -z "$(container_monitors)"
  check "$label: no mount left under \$NEST_DIR/containers" \
    bash -c "! grep -qF '$NEST_DIR/containers/$name' /proc/self/mountinfo"
  stop_nestd
}

printf 'someone:100000:65536\n' >"$W/subuid.noroot"
try no-root-uid "$W/subuid.noroot" "$good_gid" "$W/subuid.noroot"
printf 'root:100000:1000\n' >"$W/subuid.small"
try small-uid "$W/subuid.small" "$good_gid" "$W/subuid.small"
printf 'someone:100000:65536\n' >"$W/subgid.noroot"
try no-root-gid "$good_uid" "$W/subgid.noroot" "$W/subgid.noroot"
try missing-file "$W/does-not-exist" "$good_gid" "$W/does-not-exist"

# And with a good delegation the same daemon state works.
export NEST_SUBUID_FILE=$good_uid NEST_SUBGID_FILE=$good_gid
start_nestd || die "nestd did not start"
launch ok1
nexec ok1 cat /proc/self/uid_map
read -r a b c <<<"$OUT"
expect_eq "uid_map follows \$NEST_SUBUID_FILE" "0 1000000" "${a:-} ${b:-}"
finish
