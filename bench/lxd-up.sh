#!/bin/bash
# Start Debian's LXD 5.0.2 daemon by hand (PID 1 here is not systemd) and, on
# first run, initialise it from bench/preseed.yaml (dir pool, no network).
# Env: LXCFS=1 also starts lxcfs on /var/lib/lxcfs before LXD (off by default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
LOG=/var/log/lxd/lxd.log
mkdir -p /var/log/lxd /var/lib/lxd
if [ "${LXCFS:-0}" = 1 ] && ! mountpoint -q /var/lib/lxcfs; then
  mkdir -p /var/lib/lxcfs
  setsid nohup lxcfs /var/lib/lxcfs >/var/log/lxcfs.log 2>&1 < /dev/null &
  sleep 1
fi
if [ -S /var/lib/lxd/unix.socket ] && lxc query /1.0 >/dev/null 2>&1; then
  echo "lxd already running"
else
  ulimit -n "$(ulimit -Hn)" || true
  # --group root: socket owned by group root (no lxd group needed: we are root)
  setsid nohup /usr/bin/lxd --group root --logfile="$LOG" >/var/log/lxd/lxd.stdout 2>&1 < /dev/null &
  echo $! > /var/lib/lxd/bench-lxd.pid
  lxd waitready --timeout=60
fi
# One-time init: only if the "default" storage pool does not exist yet.
if ! lxc storage show default >/dev/null 2>&1; then
  lxd init --preseed < "$here/preseed.yaml"
fi
lxc version >/dev/null



