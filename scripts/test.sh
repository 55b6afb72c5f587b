#!/bin/bash
# Same set-up as demo.sh (without starting a daemon), then every test:
# unit tests, lints, and — as root — system and compat tests against real
# containers (each starts its own private nestd).
#   sudo bash scripts/test.sh [ctest args, e.g. -L system or -R exec]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build}
bash "$here/setup.sh" || { echo "test.sh: setup failed" >&2; exit 1; }
# Re-run cmake so test scripts added since the last configure are registered.
cmake -S "$repo" -B "$BUILD_DIR" >/dev/null || exit 1
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 -j "${JOBS:-$(nproc)}" "$@"
rc=$?
exit $rc
