#!/bin/bash
# clang-format check of src/**/*.{h,cc} against the repo's .clang-format.
# Usage: tools/lint/format.sh [REPO_DIR]   (fix with: tools/lint/format.sh --fix)
set -uo pipefail
fix=0
[ "${1:-}" = --fix ] && { fix=1; shift; }
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null || { echo "format.sh: $cf not installed (apt-get install clang-format)"; exit 77; }
cd "$repo" || exit 2
mapfile -d '' files < <(find src -type f \( -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
((${#files[@]})) || { echo "format.sh: no sources"; exit 0; }
if ((fix)); then
  "$cf" -i --style=file "${files[@]}"
  exit $?
fi
if "$cf" --dry-run --Werror --style=file "${files[@]}"; then
  echo "format.sh: ${#files[@]} files formatted as .clang-format says"
else
  echo "format.sh: run tools/lint/format.sh --fix (or clang-format -i) on the files above" >&2
  exit 1
fi
