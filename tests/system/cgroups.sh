#!/bin/bash
# Each container has its own cgroup in every host hierarchy; inside, it sees its
# own cgroup mounted as the host has them (v1 hierarchies stay separate: cpu and
# cpuacct here); the cgroup is removed when the container stops.
. "$(dirname "$0")/lib.sh"
nest_setup
launch g1
pid=$(init_pid g1) || die "no init pid"

# Host hierarchies: mountpoint + type + options
mapfile -t host < <(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2 " " $3 " " $4}' /proc/self/mounts)
((${#host[@]})) || skip "no cgroup hierarchy mounted on the host"
log "host hierarchies: $(printf '%s ' "${host[@]%% *}")"

mapfile -t cgs < <(cgroup_dirs_of "$pid")
for line in "${host[@]}"; do
  read -r mnt type opts <<<"$line"
  own=
  for d in "${cgs[@]}"; do [[ $d == "$mnt/"* ]] && own=$d; done
  if [ -z "$own" ]; then bad "$mnt: g1's init is not in a cgroup of this hierarchy"; continue; fi
  rel=${own#"$mnt"}
  if [[ $rel =~ /nest[^/]*/g1$ ]]; then
    ok "$mnt: g1 has its own cgroup $rel"
  else
    bad "$mnt: g1's cgroup is '$rel' (expected …/nest…/g1)"
  fi
  procs=$own/cgroup.procs
  check "$mnt: the init ($pid) is in $procs" grep -qx "$pid" "$procs"
done

nexec g1 cat /proc/self/mountinfo
inside=$OUT
nexec g1 cat /proc/1/cgroup
inside_cg=$OUT
log "inside /proc/1/cgroup: $(tr '\n' ' ' <<<"$inside_cg")"
if grep -Eqv '^[0-9]+:[^:]*:/$' <<<"$inside_cg"; then
  bad "inside, /proc/1/cgroup shows host paths (no cgroup namespace): $(grep -Ev ':/$' <<<"$inside_cg" | head -3 | tr '\n' ' ')"
else
  ok "inside, every cgroup of pid 1 is '/' (cgroup namespace)"
fi
for line in "${host[@]}"; do
  read -r mnt type opts <<<"$line"
  # mountinfo field 5 = mountpoint, after " - " come fstype, source, super options
  m=$(awk -v m="$mnt" '$5 == m' <<<"$inside")
  if [ -z "$m" ]; then bad "inside: nothing mounted at $mnt"; continue; fi
  itype=$(sed -E 's/.* - ([^ ]+) .*/\1/' <<<"$m" | tail -n1)
  expect_eq "inside: $mnt is $type like on the host" "$type" "$itype"
  if [ "$type" = cgroup ]; then
    ctrl=$(tr ',' '\n' <<<"$opts" | grep -Ev '^(rw|ro|relatime|nosuid|nodev|noexec|clone_children|noprefix)$' | sort | tr '\n' ',')
    ictrl=$(sed -E 's/.* - [^ ]+ [^ ]+ //' <<<"$m" | tail -n1 | tr ',' '\n' |
      grep -Ev '^(rw|ro|relatime|nosuid|nodev|noexec|clone_children|noprefix)$' | sort | tr '\n' ',')
    expect_eq "inside: $mnt carries the same controllers" "$ctrl" "$ictrl"
  fi
  nexec g1 sh -c "cat $mnt/cgroup.procs"
  expect_match "inside: $mnt/cgroup.procs is the container's own (lists pid 1)" '^1$' "$OUT"
done
if [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/cpuacct ] && [ ! -L /sys/fs/cgroup/cpu ]; then
  nexec g1 sh -c 'test -f /sys/fs/cgroup/cpu/cpu.shares && test -f /sys/fs/cgroup/cpuacct/cpuacct.usage'
  expect_eq "inside: cpu and cpuacct are separate, usable hierarchies" 0 "$RC"
fi
# The container can make a child cgroup in its own subtree (what systemd, Docker, crun do).
first=${host[0]%% *}
nexec g1 sh -c "mkdir $first/sub && rmdir $first/sub"
expect_eq "inside: container root can create a child cgroup in $first" 0 "$RC"
[ "$RC" = 0 ] || log "$ERR"

expect_ok "stop g1" nest stop -f g1
sleep 0.3
left=
for d in "${cgs[@]}"; do [ -d "$d" ] && left+=" $d"; done
if [ -z "$left" ]; then ok "every cgroup of g1 removed when it stopped"; else bad "cgroups left after stop:$left"; fi
expect_ok "start g1 again" nest start g1
pid=$(init_pid g1)
mapfile -t cgs2 < <(cgroup_dirs_of "$pid")
expect_eq "same number of hierarchies after restart" "${#cgs[@]}" "${#cgs2[@]}"
# The state shows what the container's cgroup counted.
nexec g1 sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done'
api GET /1.0/instances/g1/state
cpu=$(jq -r .metadata.cpu.usage <<<"$API_BODY")
mem=$(jq -r .metadata.memory.usage <<<"$API_BODY")
check "state: cpu usage counted by the container's cgroup ($cpu ns)" test "${cpu:-0}" -gt 0
check "state: memory usage counted by the container's cgroup ($mem B)" test "${mem:-0}" -gt 0

# nestd's own parent cgroup (the directory above g1's) goes when nestd stops with
# no container running: stopped daemons leave no empty cgroups on the host.
parents=()
for d in "${cgs2[@]}"; do parents+=("$(dirname "$d")"); done
expect_ok "delete g1" nest delete -f g1
stop_nestd
left=
for d in "${parents[@]}"; do [ -d "$d" ] && left+=" $d"; done
if [ -z "$left" ]; then ok "nestd's parent cgroups removed when it stopped"; else bad "left:$left"; fi
start_nestd || die "nestd did not start again"
finish
