#!/bin/bash
# nest copy, for each storage driver: a stopped instance is copied with its
# root as it is (files written in the source, deleted files — overlay
# whiteouts — and replaced directories — opaque ones — stay so; owners, a
# fifo, a user xattr and a file capability kept), its config, fresh volatile
# keys; the image's "copy" templates run at the copy's first start and the
# "create" ones do not run again; the copy and the source are independent; a
# running source, an existing, unknown or invalid name are refused with nothing
# left behind; the copy outlives its source. The stock lxc client copies too.
. "$(dirname "$0")/lib.sh"
nest_setup
require_cmd setcap setfattr getfattr tar
make_fixture_image "$W/fixture.tar.gz" || die "building the fixture image"
# The fixture with templates for every trigger (its /etc/hostname and
# /etc/hosts ones already have when: [create, copy]).
F=$W/fixture/work
cat >>"$F/metadata.yaml" <<'X'
  /etc/trig-create:
    when: [create]
    template: trigger.tpl
  /etc/trig-copy:
    when: [copy]
    template: trigger.tpl
  /etc/trig-start:
    when: [start]
    template: trigger.tpl
X
echo '{{ instance.name }} {{ trigger }}' >"$F/templates/trigger.tpl"
(cd "$F" && tar --sort=name --numeric-owner --xattrs --xattrs-include='*' \
  -czf "$W/copyimg.tar.gz" metadata.yaml templates rootfs) || die "packing the copy image"
expect_ok "import the image" nest image import "$W/copyimg.tar.gz" --alias copyimg

cfg() { # cfg NAME KEY: the instance's own config value
  api GET "/1.0/instances/$1"
  jq -r --arg k "$2" '.metadata.config[$k] // empty' <<<"$API_BODY"
}
leftovers() { ls -A "$NEST_DIR/containers" | grep -Ev "^($1)$" | tr '\n' ' '; }

for drv in overlay dir; do
  log "---- driver $drv"
  expect_ok "storage.driver=$drv" nest config set storage.driver "$drv"
  s=s-$drv d=d-$drv
  launch "$s" copyimg
  expect_ok "$drv: limits.memory on the source" nest config set "$s" user.role web
  nexec "$s" sh -c 'echo data >/root/data && rm /opt/dir/sub/deep && rm -r /opt/dir && mkdir /opt/dir &&
    echo new >/opt/dir/newfile && mkfifo /root/fifo && chown 1000:1000 /etc/hosts && rm /opt/link &&
    cat /etc/trig-create /etc/trig-start && test ! -e /etc/trig-copy && echo done'
  expect_eq "$drv: change the source inside; create and start templates applied" \
    "$(printf '%s create\n%s start\ndone' "$s" "$s")" "$OUT"

  expect_fail "running" nest copy "$s" "$d"
  expect_eq "$drv: a refused copy leaves no instance" "" "$(status_of "$d")"
  expect_eq "$drv: and no storage" "" "$(leftovers "s-overlay|s-dir|d-overlay")"

  expect_ok "$drv: stop the source" nest stop -f "$s"
  if [ "$drv" = overlay ]; then host=$NEST_DIR/containers/$s/overlay/upper; else host=$NEST_DIR/containers/$s/rootfs; fi
  setfattr -n user.copied -v yes "$host/root/data" || bad "$drv: setfattr on the source"
  CREATED+=("$d")
  expect_ok "$drv: nest copy $s $d" nest copy "$s" "$d"
  expect_eq "$drv: the copy is stopped" Stopped "$(status_of "$d")"
  expect_eq "$drv: config copied" web "$(cfg "$d" user.role)"
  expect_eq "$drv: same image" "$(cfg "$s" volatile.base_image)" "$(cfg "$d" volatile.base_image)"
  expect_eq "$drv: same storage driver" "$drv" "$(cfg "$d" volatile.storage.driver)"
  expect_eq "$drv: copy templates due" copy "$(cfg "$d" volatile.apply_template)"
  if [ "$drv" = overlay ]; then dh=$NEST_DIR/containers/$d/overlay/upper; else dh=$NEST_DIR/containers/$d/rootfs; fi
  expect_eq "$drv: user xattr copied" yes "$(getfattr --only-values -n user.copied "$dh/root/data" 2>/dev/null)"

  expect_ok "$drv: start the copy" nest start "$d"
  wait_status "$d" Running 15 || bad "$drv: $d not running"
  nexec "$d" sh -c 'cat /root/data /opt/dir/newfile; ls /opt/dir; test ! -e /opt/dir/sub && test ! -e /opt/link &&
    test -p /root/fifo && echo gone-and-fifo'
  expect_eq "$drv: written, deleted and replaced files as in the source" \
    "$(printf 'data\nnew\nnewfile\ngone-and-fifo')" "$OUT"
  nexec "$d" stat -c %u:%g / /etc/hosts /opt/owned /etc/passwd
  expect_eq "$drv: ownership in the copy" "$(printf '0:0\n1000:1000\n1000:1001\n0:0')" "$OUT"
  nexec "$d" hostname
  expect_eq "$drv: hostname is the new name" "$d" "$OUT"
  nexec "$d" cat /etc/hostname /etc/trig-create /etc/trig-copy /etc/trig-start
  expect_eq "$drv: copy templates applied, create ones not again, start ones" \
    "$(printf '%s\n%s create\n%s copy\n%s start' "$d" "$s" "$d" "$d")" "$OUT"
  expect_eq "$drv: volatile.apply_template gone after the first start" "" "$(cfg "$d" volatile.apply_template)"
  nexec "$d" su -s /bin/sh nobody -c '/opt/cap/busybox cat /proc/self/status'
  expect_match "$drv: the file capability works in the copy" '^CapEff:[[:space:]]+0000000000002000$' "$OUT"

  nexec "$d" sh -c 'echo changed >/root/data && rm /etc/trig-create && echo x >/root/only-copy'
  expect_ok "$drv: stop the copy" nest stop -f "$d"
  expect_ok "$drv: start the source again" nest start "$s"
  nexec "$s" sh -c 'cat /root/data /etc/trig-create; test ! -e /root/only-copy && echo untouched'
  expect_eq "$drv: changes to the copy leave the source alone" \
    "$(printf 'data\n%s create\nuntouched' "$s")" "$OUT"
  nexec "$s" cat /etc/hostname
  expect_eq "$drv: the source keeps its hostname" "$s" "$OUT"

  expect_ok "$drv: delete the source" nest delete -f "$s"
  expect_ok "$drv: the copy starts without its source" nest start "$d"
  nexec "$d" cat /root/data /etc/hostname
  expect_eq "$drv: the copy's files" "$(printf 'changed\n%s' "$d")" "$OUT"
  expect_ok "$drv: stop the copy" nest stop -f "$d"
done

log "---- refusals"
a=d-overlay
expect_fail "already exists" nest copy "$a" d-dir
expect_fail "already exists" nest copy "$a" "$a"
expect_fail "not found" nest copy nosuch c9
expect_fail "invalid instance name" nest copy "$a" 1bad
api POST /1.0/instances -H 'Content-Type: application/json' \
  -d '{"name":"bad_name","source":{"type":"copy","source":"d-overlay"}}'
op=$(jq -r '.operation // empty' <<<"$API_BODY")
[ -n "$op" ] && api GET "$op/wait?timeout=30"
expect_match "API: invalid name refused" 'invalid instance name' "$API_BODY"
api POST /1.0/instances -H 'Content-Type: application/json' \
  -d '{"name":"c9","source":{"type":"copy","source":"nosuch"}}'
op=$(jq -r '.operation // empty' <<<"$API_BODY")
[ -n "$op" ] && api GET "$op/wait?timeout=30"
expect_match "API: unknown source → not found" 'source instance \\"nosuch\\" not found' "$API_BODY"
api POST /1.0/instances -H 'Content-Type: application/json' \
  -d '{"name":"c9","source":{"type":"copy","source":"d-overlay"},"profiles":["nosuchprofile"]}'
op=$(jq -r '.operation // empty' <<<"$API_BODY")
[ -n "$op" ] && api GET "$op/wait?timeout=30"
expect_match "API: unknown profile → not found" 'profile \\"nosuchprofile\\" not found' "$API_BODY"
expect_eq "nothing left behind by refused copies" "" "$(leftovers "d-overlay|d-dir")"
expect_eq "no instance rows left behind" "d-dir d-overlay" "$(list_names | sort | tr '\n' ' ' | sed 's/ $//')"

log "---- options"
CREATED+=(o1)
expect_ok "nest copy -c --no-profiles" nest copy d-overlay o1 -c user.role=db -c limits.memory=64MiB --no-profiles
expect_eq "-c overrides the source's key" db "$(cfg o1 user.role)"
expect_eq "-c adds a key" 64MiB "$(cfg o1 limits.memory)"
api GET /1.0/instances/o1
expect_eq "--no-profiles" "[]" "$(jq -c '.metadata.profiles' <<<"$API_BODY")"
expect_ok "delete o1" nest delete o1

log "---- the stock lxc client"
if command -v lxc >/dev/null; then
  export LXD_CONF=$W/lxc-conf
  mkdir -p "$LXD_CONF"
  L() { LXD_DIR=$NEST_DIR timeout -k 5 "$TMO" lxc "$@"; }
  L remote list >/dev/null 2>&1
  CREATED+=(l1)
  expect_ok "lxc copy d-dir l1" L copy d-dir l1
  expect_eq "lxc copy: the copy keeps the driver" dir "$(cfg l1 volatile.storage.driver)"
  expect_ok "lxc start l1" L start l1
  nexec l1 cat /etc/hostname /root/data
  expect_eq "lxc copy: templates and files" "$(printf 'l1\nchanged')" "$OUT"
  expect_fail "already exists" L copy d-dir l1
  expect_fail "running \(stop it first" L copy l1 l2
  expect_eq "lxc copy of a running instance leaves nothing" "" "$(status_of l2)"
else
  log "lxc (lxd-client) not installed: stock client part skipped"
fi
finish
