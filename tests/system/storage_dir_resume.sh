#!/bin/bash
# The dir driver's chown walk is recorded and resumable: nestd is killed (-9,
# by NEST_DEBUG_SHIFT_KILL_AFTER) in the middle of the walk, right after
# chown'ing the file with a capability and before restoring it; the next start
# finishes the walk, and every entry ends shifted exactly once (owner = image
# owner + base, modes, setuid, capability and ACL as a single shift gives).
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd setcap setfattr getfattr
require_root_subids
make_fixture_image "$W/fixture.tar.gz" || die "building the fixture image"
expect_ok "import the fixture image" nest image import "$W/fixture.tar.gz" --alias fixture
expect_ok "storage.driver=dir" nest config set storage.driver dir
CREATED+=(r1)
expect_ok "init r1" nest init fixture r1
d=$NEST_DIR/containers/r1
R=$d/rootfs
setfattr -n system.posix_acl_access -v "$FIXTURE_ACL" "$R/opt/acl"

# The image's ids, modes and capabilities before any shift, in walk order.
snapshot() { # snapshot ROOT: "path uid gid mode" per entry, walk order
  local p
  echo ". $(stat -c '%u %g %a' "$1")"
  walk_order "$1" | while IFS= read -r p; do echo "$p $(stat -c '%u %g %a' "$1/$p")"; done
}
# restat ROOT: the same, for the entries of $before only (the container adds files)
restat() {
  local p _
  while read -r p _; do echo "$p $(stat -c '%u %g %a' "$1/$p")"; done <<<"$before"
}
before=$(snapshot "$R")
total=$(wc -l <<<"$before")
idx=$(grep -n '^opt/cap/busybox ' <<<"$before" | cut -d: -f1)
[ -n "$idx" ] || die "opt/cap/busybox not in the walk"
idx=$((idx - 1)) # the root is entry 0
log "$total entries; killing nestd after chown'ing entry $idx (opt/cap/busybox)"

stop_nestd
NEST_DEBUG_SHIFT_KILL_AFTER=$idx start_nestd || die "nestd did not start"
pid=$NESTD_PID
run nest start r1
check "start fails: nestd was killed mid-walk (exit $RC)" test "$RC" != 0
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "nestd is dead" not kill -0 "$pid"
wait "$pid" 2>/dev/null
NESTD_PID=
check "the shift journal is left behind" test -e "$d/shift.journal"
shifted=$(find "$R" -uid "$ubase" | wc -l)
check "the walk was partial ($shifted entries at uid $ubase)" test "$shifted" -gt 0
expect_eq "the capability was dropped by the chown (the interrupted entry)" "" \
  "$(getfattr -n security.capability --only-values "$R/opt/cap/busybox" 2>/dev/null)"
still=$(find "$R" -uid 0 | wc -l)
check "…and entries after it are not shifted yet ($still at uid 0)" test "$still" -gt 0

start_nestd || die "nestd did not restart"
expect_ok "start r1 resumes the walk" nest start r1
check "the journal is gone" test ! -e "$d/shift.journal"
after=$(restat "$R")
wrong=$(paste -d' ' <(echo "$before") <(echo "$after") | awk -v u="$ubase" -v g="$gbase" '
  $1 != $5 || $2 + u != $6 || $3 + g != $7 || $4 != $8 { print; n++ } END { exit 0 }')
expect_eq "every entry shifted exactly once (owner + $ubase, group + $gbase, mode kept)" "" "$wrong"
cap=$(getfattr -n security.capability -e hex "$R/opt/cap/busybox" 2>/dev/null | sed -n 's/.*=0x//p')
expect_eq "the interrupted entry's capability is restored, root id shifted once" \
  "0100000300200000000000000000000000000000$(le32_hex "$ubase")" "$cap"
acl=$(getfattr -n system.posix_acl_access -e hex "$R/opt/acl" 2>/dev/null | sed -n 's/.*=0x//p')
expect_match "ACL shifted once" "02000400$(le32_hex $((ubase + 1000)))" "$acl"
nexec r1 stat -c %u:%g:%a / /opt/owned /opt/suid
expect_eq "inside: ids as in the image" "$(printf '0:0:755\n1000:1001:644\n0:0:4755')" "$OUT"
nexec r1 su -s /bin/sh nobody -c '/opt/cap/busybox cat /proc/self/status'
expect_match "inside: the capability works" '^CapEff:[[:space:]]+0000000000002000$' "$OUT"

# Made privileged, the tree is shifted back to the image's ids (and again once).
expect_ok "stop" nest stop -f r1
expect_ok "security.privileged=true" nest config set r1 security.privileged true
expect_ok "start privileged" nest start r1
back=$(restat "$R")
expect_eq "privileged: every entry back at the image's ids" "$before" "$back"
expect_ok "delete" nest delete -f r1
check "delete leaves nothing" test ! -e "$d"
finish
