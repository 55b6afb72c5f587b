# shellcheck shell=bash
# Helpers to serve a directory (a simplestreams tree) over HTTP or HTTPS on
# loopback with streams_server.py, and to switch its faults. Sourced after
# lib.sh; not a test by itself.
#
#   streams_serve DIR [--tls]  start serving DIR; sets STREAMS_URL
#                              (http://127.0.0.1:PORT or https://…), STREAMS_PORT,
#                              STREAMS_STATE (the server's state dir), and with
#                              --tls STREAMS_CERT (a self-signed certificate for
#                              127.0.0.1 and localhost, PEM). Returns 1 on failure.
#   streams_fault MODE [ARG] [GLOB]
#                              none | 404 | drop | truncate | corrupt | delay SECONDS,
#                              optionally only for paths matching GLOB
#                              ("*.squashfs"); see streams_server.py.
#   streams_requests           the request log, one "<time> <METHOD> <path>
#                              <status> <bytes>" line per request
#   streams_request_count      how many lines it has
#   streams_log_reset          empties the log
#   streams_stop               stops the server (it also exits by itself when the
#                              test's shell is gone)
#
# and to build the trees it serves (each documented where it is defined):
#   streams_export_builtin DIR, streams_make_image, streams_publish,
#   streams_hostile_path.
#
# One server per test at a time. Needs python3 (and openssl for --tls).

STREAMS_PID=
STREAMS_STATE=
STREAMS_PORT=
STREAMS_URL= # set by streams_serve, used by the tests that source this file
export STREAMS_URL
STREAMS_CERT=
STREAMS_SERVER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/streams_server.py

streams_serve() {
  local dir=$1 tls=${2:-} _
  command -v python3 >/dev/null || { log "streams_serve: python3 missing"; return 1; }
  STREAMS_STATE=$(mktemp -d "${W:-/tmp}/streams-server.XXXXXX") || return 1
  local args=(--root "$dir" --state "$STREAMS_STATE" --parent-pid $$)
  STREAMS_CERT=
  if [ "$tls" = --tls ]; then
    STREAMS_CERT=$STREAMS_STATE/cert.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj /CN=127.0.0.1 -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
      -keyout "$STREAMS_STATE/key.pem" -out "$STREAMS_CERT" >/dev/null 2>&1 ||
      { log "streams_serve: openssl could not make a certificate"; return 1; }
    args+=(--tls-cert "$STREAMS_CERT" --tls-key "$STREAMS_STATE/key.pem")
  fi
  python3 "$STREAMS_SERVER" "${args[@]}" >>"$STREAMS_STATE/server.out" 2>&1 </dev/null &
  STREAMS_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$STREAMS_STATE/port" ]; then
      STREAMS_PORT=$(cat "$STREAMS_STATE/port")
      if [ -n "$STREAMS_CERT" ]; then
        STREAMS_URL=https://127.0.0.1:$STREAMS_PORT
      else
        STREAMS_URL=http://127.0.0.1:$STREAMS_PORT
      fi
      return 0
    fi
    kill -0 "$STREAMS_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "streams_serve: the server did not start: $(tail -5 "$STREAMS_STATE/server.out")"
  return 1
}

streams_fault() {
  [ -n "$STREAMS_STATE" ] || return 1
  echo "$*" >"$STREAMS_STATE/fault.tmp" && mv -f "$STREAMS_STATE/fault.tmp" "$STREAMS_STATE/fault"
}

streams_requests() { cat "$STREAMS_STATE/requests.log" 2>/dev/null; }
streams_request_count() { streams_requests | wc -l; }
streams_log_reset() { : >"$STREAMS_STATE/requests.log"; }

streams_stop() {
  [ -n "$STREAMS_PID" ] || return 0
  kill -TERM "$STREAMS_PID" 2>/dev/null
  local _
  for _ in $(seq 1 30); do
    kill -0 "$STREAMS_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$STREAMS_PID" 2>/dev/null
  wait "$STREAMS_PID" 2>/dev/null
  STREAMS_PID=
  return 0
}

# streams_export_builtin DIR: launches a throwaway container from builtin:busybox,
# exports its image into DIR and deletes both again (three checks); sets
# BUILTIN_TAR (the exported unified tarball) and BUILTIN_FP.
streams_export_builtin() {
  local dir=$1
  launch streams-seed
  api GET '/1.0/images?recursion=1'
  BUILTIN_FP=$(jq -r '.metadata[0].fingerprint // empty' <<<"$API_BODY")
  [ ${#BUILTIN_FP} = 64 ] || die "no builtin image after launching builtin:busybox: $API_BODY"
  mkdir -p "$dir"
  expect_ok "export the builtin image" nest image export "$BUILTIN_FP" "$dir"
  expect_ok "delete the seed container" nest delete -f streams-seed
  expect_ok "delete the builtin image" nest image delete "$BUILTIN_FP"
  BUILTIN_TAR=$(ls "$dir/$BUILTIN_FP".*) || die "no exported builtin image in $dir"
}

# streams_publish TREE ALIAS FILE...: imports FILE... (a unified tarball, or
# metadata + rootfs) as ALIAS, adds it to the simplestreams tree TREE with
# `nest image export-streams` (merging with what TREE holds), deletes it from
# the store again and prints its fingerprint. Returns 1 (and logs why) on failure.
streams_publish() {
  local tree=$1 alias=$2 fp
  shift 2
  run nest image import "$@" --alias "$alias"
  ((RC == 0)) || { log "streams_publish: import $*: $OUT" >&2; return 1; }
  fp=$(grep -Eo '[0-9a-f]{64}' <<<"$OUT" | head -n1)
  run nest image export-streams "$tree" "$alias"
  ((RC == 0)) || { log "streams_publish: export-streams $tree $alias: $OUT" >&2; return 1; }
  run nest image delete "$fp"
  ((RC == 0)) || { log "streams_publish: delete $fp: $OUT" >&2; return 1; }
  echo "$fp"
}

# streams_hostile_path TREE ALIAS: points every item of the product aliased ALIAS
# in TREE's images.json at ../../../etc/passwd, outside the tree (a hostile index).
streams_hostile_path() {
  local f=$1/streams/v1/images.json
  jq --arg a "$2" '(.products[] | select(.aliases | split(",") | index($a))
    | .versions[].items[].path) = "../../../etc/passwd"' "$f" >"$f.tmp" &&
    mv -f "$f.tmp" "$f" && grep -q '"\.\./\.\./\.\./etc/passwd"' "$f"
}

# streams_make_image UNIFIED OUT RELEASE KIND [CREATION [MARKER]]: a variant of the
# unified image tarball UNIFIED (e.g. an export of builtin:busybox) with
# properties.release = RELEASE and creation_date = CREATION (unix seconds,
# default: now), so it has a new fingerprint and its own product; with MARKER,
# rootfs/etc/nest-fixture holds that line. KIND: unified → OUT/unified.tar.gz;
# squashfs → OUT/meta.tar.gz + OUT/rootfs.squashfs; tar → OUT/meta.tar.gz +
# OUT/rootfs.tar.xz. Needs root (device nodes), tar, and mksquashfs for squashfs.
streams_make_image() {
  local src=$1 out=$2 release=$3 kind=$4 created=${5:-$(date +%s)} marker=${6:-} x
  x=$(mktemp -d "${W:-/tmp}/streams-image.XXXXXX") || return 1
  mkdir -p "$out" && tar -xf "$src" -C "$x" --numeric-owner || return 1
  sed -i -e "s/^creation_date: .*/creation_date: $created/" \
    -e "s/^  release: .*/  release: $release/" "$x/metadata.yaml" || return 1
  grep -q "^  release: $release\$" "$x/metadata.yaml" || { log "no release in metadata.yaml"; return 1; }
  mkdir -p "$x/templates"
  if [ -n "$marker" ]; then
    mkdir -p "$x/rootfs/etc" && echo "$marker" >"$x/rootfs/etc/nest-fixture" || return 1
  fi
  case $kind in
    unified) tar -C "$x" --numeric-owner -czf "$out/unified.tar.gz" metadata.yaml templates rootfs ;;
    squashfs)
      tar -C "$x" --numeric-owner -czf "$out/meta.tar.gz" metadata.yaml templates &&
        mksquashfs "$x/rootfs" "$out/rootfs.squashfs" -noappend -no-progress >/dev/null ;;
    tar)
      tar -C "$x" --numeric-owner -czf "$out/meta.tar.gz" metadata.yaml templates &&
        tar -C "$x/rootfs" --numeric-owner -cJf "$out/rootfs.tar.xz" . ;;
    *) log "streams_make_image: unknown kind $kind"; return 1 ;;
  esac
  local rc=$?
  rm -rf "$x"
  return $rc
}
