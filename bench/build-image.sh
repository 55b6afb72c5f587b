#!/bin/bash
# (adapted from the project peers/ scripts) Build a tiny busybox LXD image without internet, in two forms:
#   out/busybox-unified.tar.gz           metadata.yaml + templates/ + rootfs/
#   out/busybox-meta.tar.gz + out/busybox-rootfs.squashfs   (split image)
# Reproducible: fixed mtimes/owners, sorted tar, gzip -n, so fingerprints are stable.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT="${OUT:-$here/out}"; W="$OUT/work"
EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
rm -rf "$W"; mkdir -p "$W/rootfs" "$W/templates" "$OUT"
R="$W/rootfs"

# --- rootfs -----------------------------------------------------------------
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,proc,sys,dev,tmp,run,root,home,mnt,var/log}
chmod 1777 "$R/tmp"; chmod 700 "$R/root"
install -m 0755 /bin/busybox "$R/bin/busybox"
for app in $(/bin/busybox --list-full); do          # e.g. bin/sh, sbin/init, usr/bin/id
  [ "$app" = bin/busybox ] && continue
  [ -e "$R/$app" ] || ln -s /bin/busybox "$R/$app"
done
cat > "$R/etc/inittab" <<'X'
# busybox init: sysinit once, nothing respawned. SIGPWR/SIGUSR1 -> halt, SIGUSR2 -> poweroff.
::sysinit:/etc/init.d/rcS
::shutdown:/bin/sync
X
cat > "$R/etc/init.d/rcS" <<'X'
#!/bin/sh
mountpoint -q /proc || mount -t proc proc /proc
[ -r /etc/hostname ] && hostname -F /etc/hostname
echo "booted $(date +%s)" > /run/booted
X
chmod 0755 "$R/etc/init.d/rcS"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
printf 'root::19000:0:99999:7:::\n' > "$R/etc/shadow"; chmod 0640 "$R/etc/shadow"
echo busybox > "$R/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$R/etc/hosts"
printf 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n' > "$R/etc/profile"

# --- metadata + templates -----------------------------------------------------
cat > "$W/metadata.yaml" <<X
architecture: x86_64
creation_date: $EPOCH
expiry_date: 0
properties:
  os: busybox
  release: "1.35.0"
  architecture: x86_64
  variant: lab
  description: "busybox 1.35.0 static (lab image, built offline)"
  name: busybox-lab
templates:
  /etc/hostname:
    when: [create, copy]
    create_only: false
    template: hostname.tpl
    properties: {}
  /etc/hosts:
    when: [create, copy]
    create_only: false
    template: hosts.tpl
    properties: {}
X
echo '{{ instance.name }}' > "$W/templates/hostname.tpl"
printf '127.0.0.1 localhost\n127.0.1.1 {{ instance.name }}\n::1 localhost\n' > "$W/templates/hosts.tpl"

# --- pack ---------------------------------------------------------------------
find "$W" -exec touch -h -d "@$EPOCH" {} +
TAR=(tar --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner --format=gnu)
( cd "$W" && "${TAR[@]}" -cf - metadata.yaml templates rootfs | gzip -n -9 > "$OUT/busybox-unified.tar.gz" )
( cd "$W" && "${TAR[@]}" -cf - metadata.yaml templates | gzip -n -9 > "$OUT/busybox-meta.tar.gz" )
rm -f "$OUT/busybox-rootfs.squashfs"
mksquashfs "$R" "$OUT/busybox-rootfs.squashfs" -noappend -comp xz -all-root \
  -mkfs-time "$EPOCH" -all-time "$EPOCH" -no-progress >/dev/null
# A plain rootfs dir for bwrap/crun/LXC-classic benchmarks.
rm -rf "$OUT/rootfs"; cp -a "$R" "$OUT/rootfs"

cd "$OUT"
ls -l busybox-unified.tar.gz busybox-meta.tar.gz busybox-rootfs.squashfs
echo "unified fingerprint (sha256 of tarball):           $(sha256sum busybox-unified.tar.gz | cut -c1-64)"
echo "split fingerprint   (sha256 of meta || rootfs):     $(cat busybox-meta.tar.gz busybox-rootfs.squashfs | sha256sum | cut -c1-64)"
