#!/bin/bash
# Escape attempts from an unprivileged container: what container root does
# inside must not reach the host.
. "$(dirname "$0")/../system/lib.sh"
nest_setup
launch e1
host_hostname=$(hostname)

nexec e1 sh -c 'echo b > /proc/sysrq-trigger'
check "writing /proc/sysrq-trigger is refused" test "$RC" != 0
nexec e1 sh -c 'echo 1 > /sys/kernel/mm/ksm/run'
check "writing host sysfs (/sys/kernel/mm/ksm/run) is refused" test "$RC" != 0
nexec e1 sh -c 'mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem'
check "mknod + read of /dev/mem is refused" test "$RC" != 0
nexec e1 sh -c 'head -c 16 /proc/kcore'
check "reading /proc/kcore is refused" test "$RC" != 0
nexec e1 hostname evil
nexec e1 hostname
expect_eq "hostname changes inside (own uts namespace)" evil "$OUT"
expect_eq "…and not on the host" "$host_hostname" "$(hostname)"
nexec e1 sh -c 'mkdir -p /mnt/t && mount -t tmpfs escape-probe /mnt/t && echo mounted'
check "a mount made inside does not appear on the host" bash -c "! grep -q escape-probe /proc/self/mountinfo"
nexec e1 sh -c 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "'
expect_eq "only loopback in the container's network namespace" lo "$OUT"
nexec e1 cat /proc/self/mountinfo
check "no mount point inside is a host \$NEST_DIR path" bash -c "! awk '{print \$5}' <<<\"\$1\" | grep -qF '$NEST_DIR'" _ "$OUT"
check "the old root is not left mounted (no /oldroot, /.pivot…)" bash -c "! grep -Eq ' /(old_?root|\\.pivot[^ ]*|\\.old[^ ]*) ' <<<\"\$1\"" _ "$OUT"
nexec e1 sh -c 'ls /proc | grep -c "^[0-9]"'
check "host processes are invisible ($OUT pids in /proc)" test "${OUT:-999}" -lt 20
nexec e1 sh -c "kill -0 $NESTD_PID"
check "container root cannot signal nestd's host pid $NESTD_PID" test "$RC" != 0 -o "$NESTD_PID" -lt 20
check "nestd alive after that" alive "$NESTD_PID"
# The seccomp policy (kexec_load, module loading, open_by_handle_at, forced
# umount) binds the init and every exec'd command, also one run as a user;
# no_new_privs is not set, so setuid programs (sudo, su, ping) keep working.
for who in "init:/proc/1/status" "exec:/proc/self/status"; do
  nexec e1 grep -E '^(Seccomp|NoNewPrivs):' "${who#*:}"
  expect_eq "${who%%:*}: seccomp filter on, no_new_privs off" "$(printf 'NoNewPrivs:\t0\nSeccomp:\t2')" "$OUT"
done
# One filter, not two: an exec'd command inherits it from the thread that
# spawned it (runtime/exec.cc, RunFiltered) instead of loading its own.
nexec e1 grep -E '^Seccomp_filters:' /proc/self/status
expect_eq "exec: exactly one seccomp filter" "$(printf 'Seccomp_filters:\t1')" "$OUT"
OUT=$(nest exec e1 --user 1000 -- grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status </dev/null)
expect_eq "exec --user 1000: seccomp filter on, no_new_privs off" "$(printf 'NoNewPrivs:\t0\nSeccomp:\t2')" "$OUT"
nexec e1 sh -c 'mkdir -p /mnt/f && mount -t tmpfs f /mnt/f && umount -f /mnt/f'
check "umount -f is refused by the policy in an exec'd shell" test "$RC" != 0
# Last (it may break e1): container root detaches its own root, then a new
# exec enters its mount namespace. No layer of its root may be found there: a
# writable remount of the idmapped image tree would write, through its
# idmapping, into the image every container shares. (17ebd1d, reverted, left
# them attached beneath a chroot'd root, and `umount -l /` uncovered them.)
nexec e1 sh -c 'umount -l / 2>&1'
log "umount -l / inside e1: rc $RC ${OUT:+($OUT)}"
nexec e1 /lower/bin/busybox ls -A /
check "after umount -l / inside, an exec finds no image layer in the mount namespace (rc $RC: ${OUT:-$ERR})" \
  test "$RC" != 0
check "…and no layer directory at its root" bash -c '! grep -qxE "lower|overlay|rootfs" <<<"$1"' _ "$OUT"
finish
