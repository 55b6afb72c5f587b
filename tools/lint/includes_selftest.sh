#!/bin/bash
# Self-test of includes.sh: a tree with one forbidden include per rule must fail
# with each file:line listed; a clean tree must pass.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mk() { mkdir -p "$t/src/$(dirname "$1")"; printf '%s\n' "${@:2}" >"$t/src/$1"; }
for d in base core sys runtime storage db daemon client cli monitor; do mkdir -p "$t/src/$d"; done
mk core/ok.h '#include <string>' '#include "base/result.h"' '#include "core/x.h"'
mk sys/ok.cc '#include <unistd.h>' '#include "sys/syscalls.h"' '#include "base/log.h"'
mk runtime/ok.cc '#include <sys/mount.h>' '#include "sys/x.h"' '#include "core/idmap.h"'
mk cli/ok.cc '#include "client/client.h"' '#include "core/api/instance.h"'
"$here/includes.sh" "$t/src" >/dev/null || { echo "FAIL: clean tree rejected"; "$here/includes.sh" "$t/src"; exit 1; }
mk core/bad1.cc '#include <string>' '#include <unistd.h>'
mk core/bad2.h '#include <sys/types.h>'
mk core/bad3.h '#include "runtime/cgroup.h"'
mk cli/bad4.cc '#include "daemon/server.h"'
mk client/bad5.cc '#include "db/sqlite.h"'
mk sys/bad6.cc '#include "core/idmap.h"'
mk runtime/bad7.cc '#include "daemon/x.h"'
mk db/bad8.cc '#include "storage/x.h"'
mk core/bad9.cc '#  include <linux/sched.h>'
out=$("$here/includes.sh" "$t/src" 2>/dev/null); rc=$?
want="src/core/bad1.cc:2 src/core/bad2.h:1 src/core/bad3.h:1 src/cli/bad4.cc:1 src/client/bad5.cc:1 src/sys/bad6.cc:1 src/runtime/bad7.cc:1 src/db/bad8.cc:1 src/core/bad9.cc:1"
fail=0
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, want 1"; fail=1; }
for w in $want; do grep -q "^$w:" <<<"$out" || { echo "FAIL: $w not reported"; fail=1; }; done
n=$(grep -c . <<<"$out")
[ "$n" = 9 ] || { echo "FAIL: $n reports, want 9:"; echo "$out"; fail=1; }
((fail)) || echo "includes_selftest: OK"
exit $fail
