#!/bin/bash
# Lifecycle through the nest CLI: launch, list (every format), info, stop, start,
# restart, stop -f, init + start, delete.
. "$(dirname "$0")/lib.sh"
nest_setup

launch c1
run nest list
expect_match "list (table default) shows c1 RUNNING" 'c1.*RUNNING' "$OUT"

run nest list --format json
expect_eq "list --format json exits 0" 0 "$RC"
st=$(jq -r '.[] | select(.name == "c1") | .status' <<<"$OUT" 2>&1)
expect_eq "list --format json: c1 status" Running "$st"
run nest list --format yaml
expect_match "list --format yaml has 'name: c1'" '(^|[- ] *)name: c1$' "$OUT"
expect_match "list --format yaml has status Running" 'status: Running' "$OUT"
run nest list --format csv
expect_match "list --format csv has a c1,RUNNING row" '^c1,RUNNING' "$OUT"
run nest list --format table
expect_match "list --format table draws a table row for c1" '^\| *c1 *\| *RUNNING' "$OUT"
expect_fail "format|invalid|unknown|xml" nest list --format xml

run nest info c1
expect_eq "info c1 exits 0" 0 "$RC"
expect_match "info shows Status: RUNNING" 'status: *running' "$OUT"
pid=$(init_pid c1)
expect_match "info shows the init pid ($pid)" "pid: *${pid:-none}" "$OUT"
expect_match "info shows processes" 'processes' "$OUT"
expect_match "info shows memory" 'memory' "$OUT"
expect_match "info shows created" 'created' "$OUT"
expect_match "info shows last used" 'last used' "$OUT"

# API shape as LXD: status code 103 = Running
api GET /1.0/instances/c1
expect_eq "GET /1.0/instances/c1 status_code" 103 "$(jq -r .metadata.status_code <<<"$API_BODY")"
expect_match "GET /1.0/instances/c1 carries an ETag" '^etag: ' "$API_HEADERS"

t0=$(date +%s%N)
expect_ok "nest stop c1" nest stop c1
expect_eq "c1 Stopped after stop" Stopped "$(status_of c1)"
log "stop took $((($(date +%s%N) - t0) / 1000000)) ms"
run nest list --format csv
expect_match "list shows c1 STOPPED" '^c1,STOPPED' "$OUT"
expect_fail "already|not running|stopped" nest stop c1

expect_ok "nest start c1" nest start c1
expect_eq "c1 Running after start" Running "$(status_of c1)"
p1=$(init_pid c1)
expect_fail "already|running" nest start c1
nexec c1 true
expect_eq "exec works before restart" 0 "$RC"
expect_ok "nest restart c1" nest restart c1
expect_eq "c1 Running after restart" Running "$(status_of c1)"
p2=$(init_pid c1)
check "restart gives a new init (pid $p1 → $p2)" test -n "$p2" -a "$p1" != "$p2"
nexec c1 true
expect_eq "exec works after restart" 0 "$RC"
# nestd keeps what an exec joins (the init, the cgroups) for each run of a
# container: a command after the restart is in the new init's cgroups.
nexec c1 cat /proc/1/cgroup
init_cgroups=$OUT
nexec c1 cat /proc/self/cgroup
expect_eq "an exec after restart is in the init's cgroups" "$init_cgroups" "$OUT"

t0=$(date +%s%N)
expect_ok "nest stop -f c1" nest stop -f c1
log "stop -f took $((($(date +%s%N) - t0) / 1000000)) ms"
expect_eq "c1 Stopped after stop -f" Stopped "$(status_of c1)"
check "old init $p2 is gone" not alive $p2

CREATED+=(c2)
expect_ok "nest init builtin:busybox c2" nest init builtin:busybox c2
expect_eq "c2 Stopped after init" Stopped "$(status_of c2)"
expect_ok "nest start c2" nest start c2
expect_eq "c2 Running after start" Running "$(status_of c2)"
expect_ok "nest stop --timeout 5 c2" nest stop --timeout 5 c2
expect_eq "c2 Stopped" Stopped "$(status_of c2)"

expect_ok "nest delete c1 (stopped)" nest delete c1
api GET /1.0/instances/c1
expect_eq "GET deleted c1 is 404" 404 "$API_CODE"
expect_eq "…with an error envelope" error "$(jq -r .type <<<"$API_BODY" 2>&1)"
expect_ok "nest delete c2" nest delete c2
run nest list --format json
expect_eq "list is empty afterwards" 0 "$(jq 'length' <<<"$OUT" 2>&1)"
expect_fail "not found|no such|does not exist" nest info c1
finish
