#!/bin/bash
# Fresh Debian 12, as root: install what is missing, build, start nestd, launch
# a container from the built-in busybox image and show it running.
#   sudo bash scripts/demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/setup.sh" --start
PATH=/usr/local/bin:$PATH
export NEST_DIR=${NEST_DIR:-/var/lib/nest}
run() { echo "\$ $*"; "$@"; }
if nest info c1 >/dev/null 2>&1; then
  echo "== c1 exists"
  [ "$(nest list --format csv | awk -F, '$1 == "c1" {print $2}')" = RUNNING ] || run nest start c1
else
  run nest launch builtin:busybox c1
fi
run nest list
run nest exec c1 -- sh -c 'id; cat /proc/self/uid_map'
echo "== try: nest exec c1 -- sh    |    nest info c1    |    nest stop c1    |    nest delete -f c1"
