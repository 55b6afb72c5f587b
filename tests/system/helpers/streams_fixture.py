#!/usr/bin/env python3
"""Writes a simplestreams tree (streams/v1/index.json + images.json + image files)
from a unified LXD image tarball (e.g. `nest image export` of builtin:busybox).

  streams_fixture.py UNIFIED.tar.gz OUTDIR [--serial S] [--marker TEXT]
                     [--hostile-path] [--arch ARCH]

Products (aliases):
  busybox  unified (lxd_combined.tar.gz), fingerprint = sha256 of the file
  bbsplit  split: lxd.tar.xz (metadata) + root.tar.xz, combined_rootxz_sha256
  other    unified, a second image with another marker
Every image carries /etc/nest-fixture with "<marker> <product>" so tests can
tell versions apart (and so its fingerprint differs from the source's).
--hostile-path makes busybox's item path escape the tree ("../../../etc/passwd").
"""
import argparse, hashlib, io, json, os, platform, sys, tarfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "i686": "i386",
        "ppc64le": "ppc64el", "s390x": "s390x", "riscv64": "riscv64"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def members(src):
    with tarfile.open(src, "r:*") as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isreg() else None
            yield m, data


def add(tar, m, data):
    tar.addfile(m, io.BytesIO(data) if data is not None else None)


def marker_member(prefix, text):
    info = tarfile.TarInfo(prefix + "etc/nest-fixture")
    payload = text.encode() + b"\n"
    info.size = len(payload)
    info.mode = 0o644
    return info, payload


def unified(src, text):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as out:
        for m, data in members(src):
            if m.name.lstrip("./") == "rootfs/etc/nest-fixture":
                continue
            add(out, m, data)
        add(out, *marker_member("rootfs/", text))
    return buf.getvalue()


def split(src, text):
    meta, root = io.BytesIO(), io.BytesIO()
    with tarfile.open(fileobj=meta, mode="w:xz") as mt, tarfile.open(fileobj=root, mode="w:xz") as rt:
        for m, data in members(src):
            name = m.name[2:] if m.name.startswith("./") else m.name
            if name == "rootfs" or name == "rootfs/":
                continue
            if name.startswith("rootfs/"):
                if name == "rootfs/etc/nest-fixture":
                    continue
                m.name = name[len("rootfs/"):]
                if m.islnk() and m.linkname.lstrip("./").startswith("rootfs/"):
                    m.linkname = m.linkname.lstrip("./")[len("rootfs/"):]
                add(rt, m, data)
            else:
                add(mt, m, data)
        add(rt, *marker_member("", text))
    return meta.getvalue(), root.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--serial", default="20240101_0000")
    ap.add_argument("--marker", default="v1")
    ap.add_argument("--hostile-path", action="store_true")
    ap.add_argument("--arch", default=ARCH.get(platform.machine(), platform.machine()))
    a = ap.parse_args()

    products = {}
    def write(rel, data):
        path = os.path.join(a.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return {"path": rel, "sha256": sha256(data), "size": len(data)}

    def product(name, items):
        products[f"{name}:{a.arch}:default"] = {
            "aliases": name, "arch": a.arch, "os": "Busybox", "release": name,
            "release_title": name, "variant": "default",
            "versions": {a.serial: {"label": a.marker, "items": items}}}

    base = f"images/{a.serial}"
    item = write(f"{base}/busybox/lxd.tar.gz", unified(a.src, f"{a.marker} busybox"))
    if a.hostile_path:
        item["path"] = "../../../etc/passwd"
    product("busybox", {"lxd_combined.tar.gz": dict(item, ftype="lxd_combined.tar.gz")})

    meta, root = split(a.src, f"{a.marker} bbsplit")
    mi = write(f"{base}/bbsplit/lxd.tar.xz", meta)
    ri = write(f"{base}/bbsplit/root.tar.xz", root)
    mi.update(ftype="lxd.tar.xz", combined_rootxz_sha256=sha256(meta + root))
    product("bbsplit", {"lxd.tar.xz": mi, "root.tar.xz": dict(ri, ftype="root.tar.xz")})

    oi = write(f"{base}/other/lxd.tar.gz", unified(a.src, f"{a.marker} other"))
    product("other", {"lxd_combined.tar.gz": dict(oi, ftype="lxd_combined.tar.gz")})

    write("streams/v1/images.json", json.dumps(
        {"content_id": "images", "datatype": "image-downloads", "format": "products:1.0",
         "products": products}, indent=1).encode())
    write("streams/v1/index.json", json.dumps(
        {"format": "index:1.0", "index": {"images": {
            "datatype": "image-downloads", "path": "streams/v1/images.json",
            "format": "products:1.0", "products": sorted(products)}}}, indent=1).encode())
    fps = {"busybox": item["sha256"], "bbsplit": sha256(meta + root), "other": oi["sha256"]}
    json.dump(fps, sys.stdout)
    print()


if __name__ == "__main__":
    main()
