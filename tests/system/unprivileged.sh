#!/bin/bash
# Containers are unprivileged: userns onto root's subuid/subgid range, new
# namespaces, hostname, minimal /dev, fresh /proc and /sys.
. "$(dirname "$0")/lib.sh"
nest_setup
require_root_subids
log "root subuid: $ubase $usize, subgid: $gbase $gsize"
launch u1

nexec u1 cat /proc/self/uid_map
read -r a b c <<<"$OUT"
expect_eq "uid_map starts at container 0" 0 "${a:-}"
expect_eq "uid_map maps onto root's subuid base" "$ubase" "${b:-}"
check "uid_map size ${c:-?} is >= 65536 and within the delegation ($usize)" \
  test "${c:-0}" -ge 65536 -a "${c:-0}" -le "$usize"
expect_eq "uid_map is a single line" 1 "$(wc -l <<<"$OUT")"
nexec u1 cat /proc/self/gid_map
read -r a b c <<<"$OUT"
expect_eq "gid_map maps onto root's subgid base" "0 $gbase" "${a:-} ${b:-}"
check "gid_map size ${c:-?} >= 65536" test "${c:-0}" -ge 65536

pid=$(init_pid u1) || die "no init pid for u1"
huid=$(ps -o uid= -p "$pid" | tr -d ' ')
check "host sees the init (pid $pid) as uid $huid, not 0" test -n "$huid" -a "$huid" != 0
expect_eq "host uid of the init is the subuid base" "$ubase" "$huid"
hgid=$(ps -o gid= -p "$pid" | tr -d ' ')
expect_eq "host gid of the init is the subgid base" "$gbase" "$hgid"
nexec u1 id
expect_match "inside, id says root" 'uid=0\(root\)' "$OUT"
nexec u1 sh -c 'sleep 30 >/dev/null 2>&1 & echo $!'
sleep 0.3
hp=
for p in $(pgrep -x sleep); do
  [ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$pid/ns/pid")" ] && hp=$p
done
if [ -n "$hp" ]; then
  expect_eq "an exec'd process (host pid $hp) is unprivileged on the host" "$ubase" "$(ps -o uid= -p "$hp" | tr -d ' ')"
else
  bad "the exec'd background 'sleep 30' is not found on the host in the container's pid namespace"
fi

for ns in user mnt pid uts ipc net cgroup; do
  a=$(readlink "/proc/$pid/ns/$ns"); b=$(readlink "/proc/self/ns/$ns")
  check "new $ns namespace ($a vs host $b)" test -n "$a" -a "$a" != "$b"
done

nexec u1 hostname
expect_eq "hostname is the container name" u1 "$OUT"
nexec u1 cat /proc/sys/kernel/hostname
expect_eq "kernel hostname is the container name" u1 "$OUT"

for d in null zero full random urandom tty console ptmx; do
  nexec u1 test -e "/dev/$d"
  expect_eq "/dev/$d exists" 0 "$RC"
done
nexec u1 sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c'
expect_eq "/dev/null, /dev/zero, /dev/urandom work" $'4\n8' "$OUT"
nexec u1 sh -c 'echo x > /dev/full'
check "/dev/full refuses writes" test "$RC" != 0
nexec u1 test -c /dev/null
expect_eq "/dev/null is a character device" 0 "$RC"
nexec u1 cat /proc/mounts
mounts=$OUT
expect_match "/dev/pts is a devpts instance" '^[^ ]+ /dev/pts devpts ' "$mounts"
expect_match "/dev/pts is a new instance (newinstance or ptmxmode)" '/dev/pts devpts [^ ]*(newinstance|ptmxmode)' "$mounts"
expect_match "/dev/shm is mounted" ' /dev/shm ' "$mounts"
expect_match "/proc is a proc mount" '^[^ ]+ /proc proc ' "$mounts"
expect_match "/sys is a sysfs mount" '^[^ ]+ /sys sysfs ' "$mounts"
nexec u1 sh -c 'ls /sys/kernel >/dev/null && ls /proc/1/ >/dev/null'
expect_eq "/proc and /sys are readable" 0 "$RC"
nexec u1 sh -c 'ls /proc | grep -c "^[0-9]"'
check "/proc is the container's own ($OUT pids)" test "${OUT:-999}" -lt 20
nexec u1 sh -c 'cat /proc/1/status | grep -i ^uid'
log "inside init status: $OUT"

# root of the container is pivoted: the host's NEST_DIR is not visible
nexec u1 test -e "$NEST_DIR"
check "the host's \$NEST_DIR is not visible inside" test "$RC" != 0

# unprivileged root cannot do host-root things
nexec u1 sh -c 'echo 1 > /proc/sys/kernel/sysrq'
check "writing /proc/sys/kernel/sysrq is refused inside" test "$RC" != 0
nexec u1 sh -c 'mknod /tmp/sda b 8 0'
check "mknod of a block device is refused inside" test "$RC" != 0
finish
