#!/usr/bin/env bash
#
# Before/after consumer benchmark (issue 14; not a timed test): bench/consumer-bench.sh cases
# 1-3 of two checkouts, interleaved (before, after, after, before) on each local Mongo server
# (mongo-java-server in memory, then on its H2 file), each run on a fresh stack of its own
# (started from this checkout, so both sides meet the same servers), case 2 in one batch.
#
# Usage: bench/consumer-compare.sh BEFORE_DIR [--backends "memory mongo-java-server"] [--cases 123]
#   BEFORE_DIR  a checkout of the earlier code, e.g. `git worktree add --detach /tmp/before e87a2d5`
#   --cases     which consumer-bench cases (default 123; e.g. 2 for a longer series of case 2)
# Logs: <work>/<backend>-<before|after>-<n>.log; the summary lines at the end.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/common.sh"
(($# >= 1)) || { echo "consumer-compare: give the earlier checkout's folder (see --help)" >&2; exit 2; }
case "$1" in -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
[[ -d "$1" ]] || { echo "consumer-compare: no folder '$1'" >&2; exit 2; }
before="$(cd "$1" && pwd)"
[[ -f "$before/bench/consumer-bench.sh" ]] \
  || { echo "consumer-compare: $before has no bench/consumer-bench.sh" >&2; exit 2; }
shift
backends="memory mongo-java-server"
cases=123
while (($# > 0)); do
  case "$1" in
    --backends) backends="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    *) echo "consumer-compare: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d /tmp/consumer-compare.XXXXXX)"
echo "== consumer before ($before, $(git -C "$before" rev-parse --short HEAD)) and after ($root, $(git -C "$root" rev-parse --short HEAD)); $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); logs in $work"
n=0
for backend in $backends; do
  for side in before after after before; do
    n=$((n + 1))
    dir="$before"; [[ $side == after ]] && dir="$root"
    kp=$(free_port); cp=$(free_port); mp=$(free_port)
    st=(--storage "$work/stack-$n" --kafka-port "$kp" --controller-port "$cp" --mongo-port "$mp")
    "$root/jbang" stack up "${st[@]}" --mongo-backend "$backend" >"$work/stack-$n.log" 2>&1 \
      || { echo "stack $n did not start:"; tail -5 "$work/stack-$n.log"; exit 1; }
    log="$work/$backend-$side-$n.log"
    CASE2_SETTINGS="0 1000 1" bash "$dir/bench/consumer-bench.sh" --brokers "localhost:$kp" \
      --mongo-uri "mongodb://localhost:$mp" --cases "$cases" >"$log" 2>&1 || echo "run $n failed: $log"
    "$root/jbang" stack down "${st[@]}" >>"$work/stack-$n.log" 2>&1 || true
    rm -rf "$work/stack-$n"
    echo "$backend $side (run $n):"
    grep -E '^CASE (1 drain|2 consumer|3)' "$log" | sort -u \
      | sed -E 's/;.*(wall [^;]*).*/: \1/; s/^(CASE 3[^:]*):.*(p50 [^;]*).*/\1: \2/; s/^/   /'
  done
done
