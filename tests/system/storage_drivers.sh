#!/bin/bash
# Storage drivers (storage.driver = overlay | dir) on this machine: create,
# start, exec, ownership inside (/ is 0:0, ids, setuid, file capability still
# effective, POSIX ACL), files written inside land on the host with the
# driver's ownership, disk usage, the driver recorded per container (changing
# the server key does not touch existing containers), delete leaves nothing.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd setcap setfattr getfattr
require_root_subids

make_fixture_image "$W/fixture.tar.gz" || die "building the fixture image"
expect_ok "import the fixture image" nest image import "$W/fixture.tar.gz" --alias fixture

expect_fail "expected overlay or dir" nest config set storage.driver zfs

for drv in overlay dir; do
  c=s-$drv
  log "---- driver $drv"
  expect_ok "config set storage.driver=$drv" nest config set storage.driver "$drv"
  CREATED+=("$c")
  expect_ok "$drv: init" nest init fixture "$c"
  if [ "$drv" = dir ]; then
    # The copy holds container ids until the first start shifts it; an ACL set
    # now (import does not keep ACLs yet) must come out shifted.
    setfattr -n system.posix_acl_access -v "$FIXTURE_ACL" "$NEST_DIR/containers/$c/rootfs/opt/acl"
    expect_eq "dir: the copy is unshifted before the first start" 1000:1001 \
      "$(stat -c %u:%g "$NEST_DIR/containers/$c/rootfs/opt/owned")"
  fi
  expect_ok "$drv: start" nest start "$c"
  api GET "/1.0/instances/$c"
  expect_eq "$drv: volatile.storage.driver recorded" "$drv" \
    "$(jq -r '.metadata.config["volatile.storage.driver"]' <<<"$API_BODY")"
  nexec "$c" stat -c %u:%g /
  expect_eq "$drv: / is owned by 0:0 inside" 0:0 "$OUT"
  nexec "$c" stat -c %u:%g:%a /opt/owned /opt/suid /opt/dir/sub/deep /etc/passwd
  expect_eq "$drv: image ids and modes inside (setuid kept)" \
    "$(printf '1000:1001:644\n0:0:4755\n2000:2000:644\n0:0:644')" "$OUT"
  nexec "$c" stat -c %u:%g /opt/link
  expect_eq "$drv: symlink owner inside" 1000:1000 "$OUT"
  nexec "$c" su -s /bin/sh nobody -c '/opt/cap/busybox cat /proc/self/status'
  expect_match "$drv: the file capability is effective for nobody (CapEff cap_net_raw)" \
    '^CapEff:[[:space:]]+0000000000002000$' "$OUT"
  nexec "$c" su -s /bin/sh nobody -c '/bin/cat /proc/self/status'
  expect_match "$drv: …and not without it" '^CapEff:[[:space:]]+0000000000000000$' "$OUT"
  nexec "$c" sh -c 'echo hi >/root/new && mkdir /tmp/nd && chown 1000:1000 /tmp/nd && echo ok'
  expect_eq "$drv: write files inside" ok "$OUT"

  d=$NEST_DIR/containers/$c
  if [ "$drv" = dir ]; then
    expect_eq "dir: rootfs/ is owned by the container's root on the host" "$ubase:$gbase" \
      "$(stat -c %u:%g "$d/rootfs")"
    expect_eq "dir: /root/new written inside is host-owned by the mapped root" "$ubase:$gbase" \
      "$(stat -c %u:%g "$d/rootfs/root/new")"
    expect_eq "dir: chown 1000 inside is host uid $((ubase + 1000))" \
      "$((ubase + 1000)):$((gbase + 1000))" "$(stat -c %u:%g "$d/rootfs/tmp/nd")"
    expect_eq "dir: image file shifted" "$((ubase + 1000)):$((gbase + 1001))" \
      "$(stat -c %u:%g "$d/rootfs/opt/owned")"
    expect_eq "dir: symlink lchown'd" "$((ubase + 1000)):$((gbase + 1000))" \
      "$(stat -c %u:%g "$d/rootfs/opt/link")"
    expect_eq "dir: hard link kept" "$(stat -c %i "$d/rootfs/opt/owned")" "$(stat -c %i "$d/rootfs/opt/hard")"
    expect_eq "dir: setuid bit kept on the host" 4755 "$(stat -c %a "$d/rootfs/opt/suid")"
    cap=$(getfattr -n security.capability -e hex --only-values "$d/rootfs/opt/cap/busybox" 2>/dev/null | od -An -tx1 | tr -d ' \n')
    expect_eq "dir: capability is v3 with root id $ubase" "0100000300200000000000000000000000000000$(le32_hex "$ubase")" "$cap"
    acl=$(getfattr -n system.posix_acl_access -e hex "$d/rootfs/opt/acl" 2>/dev/null | sed -n 's/.*=0x//p')
    expect_match "dir: ACL entry for uid 1000 shifted to $((ubase + 1000))" "02000400$(le32_hex $((ubase + 1000)))" "$acl"
    expect_eq "dir: user xattr kept" hello "$(getfattr -n user.note --only-values "$d/rootfs/opt/owned" 2>/dev/null)"
    check "dir: no shift journal left" test ! -e "$d/shift.journal"
  else
    expect_eq "overlay: /root/new in the upper dir holds container ids (idmapped at start)" 0:0 \
      "$(stat -c %u:%g "$d/overlay/upper/root/new")"
    expect_eq "overlay: chown 1000 inside is 1000 in the upper dir" 1000:1000 \
      "$(stat -c %u:%g "$d/overlay/upper/tmp/nd")"
    check "overlay: the image file is not copied" test ! -e "$d/overlay/upper/opt/owned"
  fi
  api GET "/1.0/instances/$c/state"
  usage=$(jq -r '.metadata.disk.root.usage // empty' <<<"$API_BODY")
  log "$drv: disk usage $usage bytes"
  if [ "$drv" = dir ]; then
    check "dir: disk usage ($usage) covers the copied image (> 3 MB)" test "${usage:-0}" -gt 3000000
  else
    check "overlay: disk usage ($usage) is the upper dir only (< 1 MB)" test -n "$usage" -a "${usage:-9999999}" -lt 1000000
  fi

  other=overlay; [ "$drv" = overlay ] && other=dir
  expect_ok "$drv: stop" nest stop -f "$c"
  expect_ok "switch the server key to $other" nest config set storage.driver "$other"
  expect_ok "$drv: restart after the key changed" nest start "$c"
  nexec "$c" cat /root/new
  expect_eq "$drv: data kept across the key change" hi "$OUT"
  api PATCH "/1.0/instances/$c" -d '{"config":{"volatile.storage.driver":"'"$other"'"}}'
  expect_eq "$drv: changing volatile.storage.driver is refused" 400 "$API_CODE"
  expect_ok "$drv: delete -f" nest delete -f "$c"
  check "$drv: delete leaves nothing ($d)" test ! -e "$d"
  left=$(find "$NEST_DIR/containers" -mindepth 1 -maxdepth 1 | head -3)
  expect_eq "$drv: nothing else left under containers/" "" "$left"
done
finish
