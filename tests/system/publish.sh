#!/bin/bash
# nest publish, for each storage driver: a running instance is refused; a
# stopped one becomes a normal (not cached) image holding the instance's view
# (a deleted file and a replaced directory stay gone — overlay whiteouts and
# opaque directories become deletions — a chown'd file keeps its new owner),
# container ids in the tarball (0:0, never the host's shifted ids), the source
# image's properties and templates plus the given ones; a new instance from it
# sees the same tree.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd setcap setfattr getfattr tar
make_fixture_image "$W/fixture.tar.gz" || die "building the fixture image"
expect_ok "import the fixture image" nest image import "$W/fixture.tar.gz" --alias fixture

for drv in overlay dir; do
  log "---- driver $drv"
  expect_ok "storage.driver=$drv" nest config set storage.driver "$drv"
  c=p-$drv
  launch "$c" fixture
  nexec "$c" sh -c 'rm /opt/dir/sub/deep && rm -r /opt/dir && mkdir /opt/dir && echo new >/opt/dir/newfile &&
    chown 1000:1000 /etc/hosts && rm /opt/link && echo added >/root/added &&
    mkdir /opt/capdir && cp /bin/busybox /opt/capdir/busybox && echo marked >/opt/marked && echo done'
  expect_eq "$drv: change the tree inside" done "$OUT"
  expect_fail "running" nest publish "$c" --alias "pub-$drv"
  expect_ok "$drv: stop" nest stop -f "$c"
  # A file capability and a user xattr on files of the container's own layer,
  # set from the host (busybox has no setcap or setfattr).
  if [ "$drv" = overlay ]; then host=$NEST_DIR/containers/$c/overlay/upper; else host=$NEST_DIR/containers/$c/rootfs; fi
  check "$drv: setcap on the container's file" setcap cap_net_raw+ep "$host/opt/capdir/busybox"
  check "$drv: user xattr on the container's file" setfattr -n user.mark -v kept "$host/opt/marked"
  expect_ok "$drv: publish" nest publish "$c" --alias "pub-$drv" note=published "description=from $c"
  expect_match "$drv: prints the fingerprint" 'Instance published with fingerprint: [0-9a-f]{64}' "$OUT"
  run nest image info "pub-$drv"
  expect_match "$drv: not cached" '^Cached: no' "$OUT"
  expect_match "$drv: given property" 'note: published' "$OUT"
  expect_match "$drv: source image property kept" 'os: busybox' "$OUT"
  expect_match "$drv: description property" "description: from $c" "$OUT"
  expect_fail "already exists" nest publish "$c" --alias "pub-$drv"

  mkdir -p "$W/exp-$drv"
  expect_ok "$drv: export" nest image export "pub-$drv" "$W/exp-$drv"
  f=$(ls "$W/exp-$drv"/* | head -1)
  listing=$(tar --numeric-owner -tvzf "$f")
  expect_match "$drv: metadata.yaml in the tarball" ' metadata\.yaml$' "$listing"
  expect_match "$drv: templates kept" ' templates/hostname\.tpl$' "$listing"
  meta=$(tar -xzOf "$f" metadata.yaml)
  expect_match "$drv: metadata.yaml keeps the templates" '/etc/hostname' "$meta"
  expect_match "$drv: metadata.yaml has the architecture" "architecture: $(uname -m)" "$meta"
  expect_match "$drv: rootfs/etc/passwd is 0/0" '^-[rwx-]{9} 0/0 .* rootfs/etc/passwd$' "$listing"
  expect_match "$drv: chown'd file is 1000/1000" '^-[rwx-]{9} 1000/1000 .* rootfs/etc/hosts$' "$listing"
  expect_match "$drv: the root is 0/0" '^d[rwx-]{9} 0/0 .* rootfs/?$' "$listing"
  high=$(awk '{split($2, o, "/"); if (o[1] >= 65536 || o[2] >= 65536) print}' <<<"$listing" | head -3)
  expect_eq "$drv: no host (shifted) ids in the tarball" "" "$high"
  expect_eq "$drv: no device nodes (whiteouts) in the tarball" "" "$(grep '^c' <<<"$listing" | head -3)"
  check "$drv: deleted file absent" not grep -q 'rootfs/opt/dir/sub' <<<"$listing"
  check "$drv: deleted symlink absent" not grep -q 'rootfs/opt/link' <<<"$listing"
  expect_match "$drv: new file present" 'rootfs/opt/dir/newfile$' "$listing"
  xat=$(mkdir -p "$W/x-$drv" && cd "$W/x-$drv" && tar --xattrs --xattrs-include='*' -xzf "$f" &&
    getfattr -R -d -m - "$W/x-$drv/rootfs" 2>/dev/null)
  expect_eq "$drv: no overlay xattrs in the tarball" "" "$(grep -E '^(user|trusted)\.overlay' <<<"$xat" | head -3)"
  cap=$(getfattr -n security.capability -e hex "$W/x-$drv/rootfs/opt/cap/busybox" 2>/dev/null | sed -n 's/.*=0x//p')
  expect_eq "$drv: capability unshifted (revision 2, as in the source image)" \
    0100000200200000000000000000000000000000 "$cap"
  cap=$(getfattr -n security.capability -e hex "$W/x-$drv/rootfs/opt/capdir/busybox" 2>/dev/null | sed -n 's/.*=0x//p')
  expect_eq "$drv: the container's own file capability in the tarball" \
    0100000200200000000000000000000000000000 "$cap"
  expect_eq "$drv: the container's user xattr in the tarball" kept \
    "$(getfattr --only-values -n user.mark "$W/x-$drv/rootfs/opt/marked" 2>/dev/null)"

  # export → import: the exported file, imported again, is the same image.
  fp=$(basename "$f"); fp=${fp%%.*}
  expect_ok "$drv: delete the published image" nest image delete "pub-$drv"
  expect_ok "$drv: import the exported file" nest image import "$f" --alias "pub-$drv"
  run nest image info "pub-$drv"
  expect_match "$drv: same fingerprint after export and import" "Fingerprint: $fp" "$OUT"
  r=$NEST_DIR/images/$fp.rootfs
  expect_eq "$drv: user xattr restored by import" kept "$(getfattr --only-values -n user.mark "$r/opt/marked" 2>/dev/null)"
  expect_match "$drv: file capability restored by import" 'cap_net_raw[=+]ep' "$(getcap "$r/opt/capdir/busybox" 2>&1)"

  n=n-$drv
  launch "$n" "pub-$drv"
  nexec "$n" sh -c 'test ! -e /opt/dir/sub && test ! -e /opt/link && cat /opt/dir/newfile /root/added'
  expect_eq "$drv: the new instance sees the merged view" "$(printf 'new\nadded')" "$OUT"
  nexec "$n" stat -c %u:%g / /etc/hosts /opt/owned /etc/passwd
  expect_eq "$drv: ownership in the new instance" "$(printf '0:0\n1000:1000\n1000:1001\n0:0')" "$OUT"
  nexec "$n" cat /etc/hostname
  expect_eq "$drv: the image's template applied on create" "$n" "$OUT"
  nexec "$n" su -s /bin/sh nobody -c '/opt/cap/busybox cat /proc/self/status'
  expect_match "$drv: the file capability survives publish" '^CapEff:[[:space:]]+0000000000002000$' "$OUT"
  nexec "$n" su -s /bin/sh nobody -c '/opt/capdir/busybox cat /proc/self/status'
  expect_match "$drv: a capability set on the container's file survives publish, export, import" \
    '^CapEff:[[:space:]]+0000000000002000$' "$OUT"
  nexec "$n" cat /opt/marked
  expect_eq "$drv: the marked file" marked "$OUT"
done

log "---- an image carrying overlay marks"
# /opt made opaque ("x": may hold xattr whiteouts) and /opt/owned marked as a
# whiteout, both ways overlayfs reads them (trusted. privileged, user. in a user
# namespace): kept, they would hide /opt/owned in every container of the image.
H=$W/hostile
cp -a "$W/fixture/work" "$H" || die "copying the fixture tree"
setfattr -n trusted.overlay.opaque -v x "$H/rootfs/opt" &&
  setfattr -n user.overlay.opaque -v x "$H/rootfs/opt" &&
  setfattr -n trusted.overlay.whiteout -v '' "$H/rootfs/opt/owned" &&
  setfattr -n user.overlay.whiteout -v '' "$H/rootfs/opt/owned" &&
  setfattr -n user.keep -v yes "$H/rootfs/opt" || die "setting overlay xattrs"
(cd "$H" && tar --sort=name --numeric-owner --xattrs --xattrs-include='*' \
  -czf "$W/hostile.tar.gz" metadata.yaml templates rootfs) || die "packing the hostile image"
mkdir -p "$W/hx" && (cd "$W/hx" && tar --xattrs --xattrs-include='*' -xzf "$W/hostile.tar.gz")
expect_match "the hostile tarball carries the marks" 'trusted\.overlay\.opaque' \
  "$(getfattr -d -m - "$W/hx/rootfs/opt" 2>/dev/null)"
expect_ok "import the hostile image" nest image import "$W/hostile.tar.gz" --alias hostile
run nest image info hostile
hfp=$(sed -n 's/^Fingerprint: //p' <<<"$OUT")
hx=$(getfattr -d -m - "$NEST_DIR/images/$hfp.rootfs/opt" "$NEST_DIR/images/$hfp.rootfs/opt/owned" 2>/dev/null)
expect_eq "overlay xattrs dropped on import" "" "$(grep -E '^(user|trusted)\.overlay' <<<"$hx")"
expect_match "a user xattr kept on import" 'user\.keep="yes"' "$hx"
expect_ok "storage.driver=overlay" nest config set storage.driver overlay
launch h1 hostile
nexec h1 cat /opt/owned
expect_eq "the marked file is not hidden in a container" owned "$OUT"
finish
