#!/bin/bash
# Issue #3 point 6, against the real nestd: hostile image tarballs are refused
# with an error naming the entry and the reason, and change nothing outside the
# store (a canary directory beside it stays untouched) nor inside it (no image,
# no alias, no temporary file). The tarballs are crafted with Python's tarfile,
# which writes what GNU tar refuses to (.., absolute names, device nodes, lies).
. "$(dirname "$0")/../system/lib.sh"
nest_setup
require_cmd python3 xz

CANARY=$W/canary
mkdir -p "$CANARY" && echo original >"$CANARY/passwd"
ARCH=$(uname -m)

# craft OUT KIND: writes a hostile unified image of KIND to OUT.
craft() {
  python3 - "$1" "$2" "$CANARY" "$ARCH" <<'PY'
import io, sys, tarfile
out, kind, canary, arch = sys.argv[1:5]
meta = f"architecture: {arch}\ncreation_date: 1700000000\nproperties:\n  os: hostile\n".encode()

def add(t, name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)

def rootfs(t):
    add(t, "metadata.yaml", meta)
    add(t, "rootfs", type=tarfile.DIRTYPE, mode=0o755)
    add(t, "rootfs/ok", b"fine\n")

mode = "w:xz" if kind == "bomb" else "w"
with tarfile.open(out, mode, format=tarfile.GNU_FORMAT) as t:
    if kind == "dotdot":
        rootfs(t); add(t, "rootfs/../../canary/passwd", b"pwned\n")
    elif kind == "absolute":
        rootfs(t); add(t, canary + "/passwd", b"pwned\n")
    elif kind == "symlink":
        rootfs(t)
        add(t, "rootfs/a", type=tarfile.SYMTYPE, linkname=canary)
        add(t, "rootfs/a/passwd", b"pwned\n")
    elif kind == "hardlink":
        rootfs(t); add(t, "rootfs/shadow", type=tarfile.LNKTYPE, linkname=canary + "/passwd")
    elif kind == "device":
        rootfs(t)
        add(t, "rootfs/dev", type=tarfile.DIRTYPE, mode=0o755)
        add(t, "rootfs/dev/mem", type=tarfile.CHRTYPE, devmajor=1, devminor=1, mode=0o666)
    elif kind == "notyaml":
        add(t, "metadata.yaml", b"architecture: [x86_64\n")
        add(t, "rootfs", type=tarfile.DIRTYPE, mode=0o755); add(t, "rootfs/ok", b"x")
    elif kind == "noarch":
        add(t, "metadata.yaml", b"creation_date: 1\n")
        add(t, "rootfs", type=tarfile.DIRTYPE, mode=0o755); add(t, "rootfs/ok", b"x")
    elif kind == "bomb":
        # 64 MiB of zeros per file compress to almost nothing.
        rootfs(t)
        for i in range(4):
            ti = tarfile.TarInfo(f"rootfs/zero{i}"); ti.size = 64 << 20
            t.addfile(ti, io.BytesIO(bytes(ti.size)))
if kind == "sizelie":
    # A header promising 10 MB followed by 1 KB: the entry lies about its size.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        rootfs(t)
        ti = tarfile.TarInfo("rootfs/liar"); ti.size = 10 << 20
        t.addfile(ti, io.BytesIO(bytes(ti.size)))
    data = buf.getvalue()
    cut = data.index(b"rootfs/liar") + 512 + 1024
    open(out, "wb").write(data[:cut])
PY
}

store_is_clean() {
  local n
  n=$(find "$NEST_DIR/images" -mindepth 1 -maxdepth 1 | wc -l)
  [ "$n" = 0 ] || { log "images/ holds: $(ls -A "$NEST_DIR/images")"; return 1; }
  api GET /1.0/images
  [ "$(jq '.metadata | length' <<<"$API_BODY")" = 0 ]
}

# The bomb: bounded by images.max_unpacked_size (set low so the test stays quick).
expect_ok "lower images.max_unpacked_size for the bomb" "$NEST" config set images.max_unpacked_size 100MiB

while read -r kind why; do
  craft "$W/$kind.tar" "$kind" || die "crafting $kind"
  expect_fail "$why" "$NEST" image import "$W/$kind.tar" --alias "h-$kind"
  check "$kind: nothing left in the store" store_is_clean
  expect_eq "$kind: the canary outside the store is untouched" original "$(cat "$CANARY/passwd")"
  check "$kind: nothing new beside the canary" test "$(ls -A "$CANARY")" = passwd
done <<'EOF'
dotdot image entry "rootfs/\.\./\.\./canary/passwd": path has a "\.\." component
absolute path is absolute
symlink path goes through the symbolic link "rootfs/a"
hardlink image entry "rootfs/shadow": hard link target is absolute
device image entry "rootfs/dev/mem": device node
notyaml metadata\.yaml is not valid YAML
noarch metadata\.yaml lacks "architecture"
sizelie truncated or corrupt archive at entry "rootfs/liar"
bomb image unpacks to more than 104857600 bytes \(images\.max_unpacked_size\)
EOF

OUT=$("$NEST" image import "$W/dotdot.tar" 2>&1)
check "the error names the user's file, not nestd's spool file" \
  bash -c '[[ $1 != *.tmp-* && $1 == *dotdot.tar* ]]' _ "$OUT"

find "$NEST_DIR" -name '.tmp-*' | grep -q . && bad "temporary files left: $(find "$NEST_DIR" -name '.tmp-*')" ||
  ok "no temporary files left anywhere in NEST_DIR"
check "nestd still answers" sock_answers
finish
