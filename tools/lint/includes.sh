#!/bin/bash
# Include-direction lint (DESIGN.md "Layers"): exit 1 listing file:line for every
# forbidden #include under src/. Usage: tools/lint/includes.sh [SRC_DIR]
set -uo pipefail
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)/src}
[ -d "$src" ] || { echo "includes.sh: no such directory: $src" >&2; exit 2; }
cd "$src" || exit 2

os_headers='^(unistd\.h|fcntl\.h|sys/.*|linux/.*|asm/.*|sched\.h|signal\.h|poll\.h|pwd\.h|grp\.h|dirent\.h|termios\.h|mntent\.h|syscall\.h)$'
project_dirs=$(find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | paste -sd'|')

# forbidden project prefixes per layer ("quoted" includes); empty = no rule
forbidden() {
  case $1 in
    core) echo 'runtime|storage|db|daemon|sys|client|cli|monitor' ;;
    client | cli) echo 'runtime|storage|db|daemon|sys|monitor' ;;
    runtime | storage) echo 'daemon|db|client|cli' ;;
    db) echo 'daemon|runtime|storage|client|cli|monitor' ;;
    sys) echo "ALL_BUT:base|sys" ;;
    tls) echo "ALL_BUT:base|tls" ;;
    base) echo "ALL_BUT:base" ;;
    *) echo '' ;;
  esac
}

bad=0
while IFS= read -r -d '' f; do
  f=${f#./}
  layer=${f%%/*}
  rule=$(forbidden "$layer")
  while IFS=: read -r line rest; do
    [[ $rest =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\<\"])([^\>\"]+)[\>\"] ]] || continue
    kind=${BASH_REMATCH[1]} inc=${BASH_REMATCH[2]}
    while [[ $inc == ../* ]]; do inc=${inc#../}; done
    top=${inc%%/*}
    why=
    if [ "$layer" = core ] && [ "$kind" = '<' ] && [[ $inc =~ $os_headers ]]; then
      why="core must not include OS headers (<$inc>): decide in core, act in runtime/sys"
    elif [ "$kind" = '"' ] && [ "$top" != "$inc" ] && [[ $top =~ ^($project_dirs)$ ]]; then
      if [[ $rule == ALL_BUT:* ]]; then
        [[ $top =~ ^(${rule#ALL_BUT:})$ ]] || why="$layer may include only ${rule#ALL_BUT:} headers, not \"$inc\""
      elif [ -n "$rule" ] && [[ $top =~ ^($rule)$ ]]; then
        why="$layer must not include $top/ (\"$inc\")"
      fi
    fi
    if [ -n "$why" ]; then
      echo "src/$f:$line: $why"
      bad=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f")
done < <(find . -type f \( -name '*.h' -o -name '*.cc' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.c' \) -print0 | sort -z)

if ((bad)); then
  echo "includes.sh: forbidden includes found (see DESIGN.md, Layers)" >&2
  exit 1
fi
echo "includes.sh: include directions OK"
