#!/bin/bash
# builtin:debian/<release>: a real debootstrap build from the host's apt mirror,
# an unprivileged container booting systemd, a clean stop (SIGRTMIN+3 honoured,
# never SIGKILL), restart; bad aliases and failed builds leave nothing behind.
#
# The build takes minutes on a loaded machine. With NEST_BUILTIN_CACHE set (the
# ctest run sets it to <build>/builtin-cache) the built image is kept there and
# later runs and tests import it instead of building again: one build per
# build tree.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd debootstrap unshare
# The mirror the host's apt uses (first URIs:/deb line), as nestd will find it.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print ($2 ~ /^\[/) ? $3 : $2; exit}' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
[ -n "$mirror" ] || skip "no Debian mirror in the host's apt sources"
curl -sf --max-time 20 -o /dev/null "${mirror%/}/dists/bookworm/InRelease" ||
  skip "the host's apt mirror $mirror does not answer"
BUILD_TMO=${NEST_DEBIAN_BUILD_TIMEOUT:-1500}
nest_setup

images_left() { # files in the store (temporaries included)
  find "$NEST_DIR/images" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}
image_count() {
  api GET /1.0/images
  jq '.metadata | length' <<<"$API_BODY"
}
# until_running NAME: is-system-running answers running/degraded (retrying while
# the bus comes up, as a fresh boot may refuse the first calls)
until_running() {
  local i state
  for i in $(seq 1 300); do
    state=$(timeout 10 "$NEST" exec "$1" -- systemctl is-system-running 2>/dev/null </dev/null)
    case $state in running | degraded) echo "$state"; return 0 ;; esac
    sleep 0.1
  done
  echo "${state:-no answer}"
  return 1
}

# --- bad input: refused before anything is built --------------------------------
expect_fail 'unknown Debian release "nosuch".*known: bullseye \(11\), bookworm \(12\), trixie \(13\)' \
  nest launch builtin:debian/nosuch x1
expect_fail 'invalid Debian package name "Bad_Pkg"' nest launch builtin:debian/bookworm+Bad_Pkg x2
expect_fail "no package named after '\+'" nest launch builtin:debian/bookworm+ x3
expect_fail 'builtin image "debian" is not available.*debian/<release>' nest launch builtin:debian x4
expect_eq "no image after bad aliases" 0 "$(image_count)"
expect_eq "nothing in the store after bad aliases" 0 "$(images_left)"
run nest list --format csv
expect_eq "no instance after bad aliases" "" "$OUT"

# --- a build that cannot reach its mirror fails, says why, leaves nothing ---------
mkdir -p "$W/apt-broken/sources.list.d"
printf 'Types: deb\nURIs: http://127.0.0.1:9/debian\nSuites: bookworm\nComponents: main\n' \
  >"$W/apt-broken/sources.list.d/debian.sources"
stop_nestd
NEST_APT_DIR=$W/apt-broken NEST_BUILTIN_CACHE= start_nestd || die "nestd (broken mirror) did not start"
expect_fail 'building builtin:debian/bookworm: debootstrap bookworm from http://127.0.0.1:9/debian failed: Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release; its log ends: ' \
  nest launch builtin:debian/bookworm y1
expect_eq "no image after a failed build" 0 "$(image_count)"
expect_eq "nothing in the store after a failed build" 0 "$(images_left)"
check "no mount left under NEST_DIR" not grep -q " $NEST_DIR/" /proc/self/mountinfo
expect_eq "no instance after a failed build" "" "$(status_of y1)"
rm -rf "$W/apt-broken/sources.list.d"
expect_fail 'no Debian mirror in the apt sources \(none found under' nest launch builtin:debian/12 y2
stop_nestd
start_nestd || die "nestd did not restart"

# --- the real build (or the shared cache), then boot systemd ---------------------
CREATED+=(d1)
t0=$(date +%s%N)
OUT=$(timeout -k 5 "$BUILD_TMO" "$NEST" launch builtin:debian/bookworm d1 2>&1 </dev/null)
RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
((RC == 0)) || die "nest launch builtin:debian/bookworm d1: exit $RC: $(tail -c 1500 <<<"$OUT")"
ok "nest launch builtin:debian/bookworm d1 ($ms ms)"
log "launch output: $(tr '\n' '|' <<<"$OUT" | head -c 600)"
expect_match "launch printed build/import stage lines" '^(debootstrap: |importing builtin:debian/bookworm)' "$OUT"
[ -n "${NEST_BUILTIN_CACHE:-}" ] && [ -f "$NEST_BUILTIN_CACHE/debian_bookworm.tar.gz" ] &&
  ok "image kept in NEST_BUILTIN_CACHE for later runs"

api GET '/1.0/images?recursion=1'
expect_eq "one image in the store" 1 "$(jq '.metadata | length' <<<"$API_BODY")"
expect_eq "image os property" debian "$(jq -r '.metadata[0].properties.os' <<<"$API_BODY")"
expect_eq "image release property" bookworm "$(jq -r '.metadata[0].properties.release' <<<"$API_BODY")"
expect_eq "image cached as builtin debian/bookworm" "builtin debian/bookworm" \
  "$(jq -r '.metadata[0].update_source | "\(.protocol) \(.alias)"' <<<"$API_BODY")"
FP=$(jq -r '.metadata[0].fingerprint' <<<"$API_BODY")
expect_eq "fingerprint is the sha256 of the image file" "$FP" \
  "$(sha256sum "$NEST_DIR/images/$FP" | cut -d' ' -f1)"
check "image tarball has metadata.yaml, templates and rootfs" \
  bash -c "tar -tzf '$NEST_DIR/images/$FP' | grep -qx metadata.yaml &&
    tar -tzf '$NEST_DIR/images/$FP' | grep -qx templates/hostname.tpl &&
    tar -tzf '$NEST_DIR/images/$FP' | grep -q '^rootfs/usr/lib/systemd/systemd$'"
check "no device node in the image rootfs" \
  test -z "$(find "$NEST_DIR/images/$FP.rootfs/dev" -mindepth 1 2>/dev/null)"

state=$(until_running d1)
expect_match "systemctl is-system-running: running or degraded" '^(running|degraded)$' "$state"
nexec d1 systemctl --failed --no-legend --plain
log "failed units: ${OUT:-none}"
[ "$state" = running ] || log "journal: $(nest exec d1 -- journalctl -b -p warning --no-pager 2>&1 | tail -n 20)"
nexec d1 apt-get --version
expect_match "apt-get --version works" '^apt [0-9]' "$OUT"
nexec d1 cat /etc/hostname
expect_eq "hostname template applied" d1 "$OUT"
nexec d1 grep -c 'd1' /etc/hosts
expect_eq "hosts template applied" 1 "$OUT"
nexec d1 cat /etc/machine-id
expect_match "machine id generated at first boot" '^[0-9a-f]{32}$' "$OUT"
nexec d1 cat /proc/1/comm
expect_eq "PID 1 is systemd" systemd "$OUT"
nexec d1 sh -c 'cat /proc/self/uid_map'
expect_match "unprivileged (root maps to the subuid range)" '^ *0 +[1-9][0-9]* ' "$OUT"
nexec d1 sh -c 'for c in cpu cpuacct memory pids systemd unified; do mountpoint -q /sys/fs/cgroup/$c && echo $c; done | tr "\n" " "'
expect_eq "host cgroup hierarchies mounted as the host has them" "cpu cpuacct memory pids systemd unified " "$OUT"

# --- clean stop: systemd's own shutdown, no SIGKILL ---------------------------
t0=$(date +%s%N)
expect_ok "nest stop d1" nest stop d1
ms=$((($(date +%s%N) - t0) / 1000000))
log "clean stop took $ms ms"
expect_eq "d1 Stopped" Stopped "$(status_of d1)"
why=$(grep 'stopped:' "$NEST_DIR/containers/d1/nest.log" | tail -n1)
log "monitor: $why"
check "systemd ended by itself (halt), not killed ($why)" not grep -q 'signal 9' <<<"$why"
check "stop well within the 30 s timeout ($ms ms)" test "$ms" -lt 20000

expect_ok "nest start d1" nest start d1
state=$(until_running d1)
expect_match "running again after start" '^(running|degraded)$' "$state"
p1=$(init_pid d1)
expect_ok "nest restart d1" nest restart d1
p2=$(init_pid d1)
check "restart gives a new init ($p1 → $p2)" test -n "$p2" -a "$p1" != "$p2"
state=$(until_running d1)
expect_match "running again after restart" '^(running|degraded)$' "$state"
why=$(grep 'stopped:' "$NEST_DIR/containers/d1/nest.log" | tail -n1)
check "restart stopped systemd cleanly too ($why)" not grep -q 'signal 9' <<<"$why"

# --- the cache: debian/12 is the same image; another package set is not -----------
stop_nestd
NEST_APT_DIR=$W/apt-broken NEST_BUILTIN_CACHE= start_nestd || die "nestd did not restart"
CREATED+=(d2)
t0=$(date +%s%N)
expect_ok "builtin:debian/12 reuses the bookworm image (no mirror needed)" \
  nest init builtin:debian/12 d2
log "init from the cached image took $((($(date +%s%N) - t0) / 1000000)) ms"
expect_eq "still one image" 1 "$(image_count)"
expect_fail 'building builtin:debian/bookworm\+less: .*no Debian mirror' \
  nest init builtin:debian/bookworm+less d3
expect_eq "another package set is another image: nothing added by the failed build" 1 "$(image_count)"
expect_ok "nest delete d2" nest delete d2
stop_nestd
start_nestd || die "nestd did not restart"

# --- busybox still behaves beside it ----------------------------------------------
launch b1
nexec b1 true
expect_eq "busybox container still runs" 0 "$RC"
expect_ok "nest stop -f d1" nest stop -f d1
expect_ok "nest delete d1" nest delete d1
finish
