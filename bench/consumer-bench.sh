#!/usr/bin/env bash
#
# Consumer benchmark (not a timed test; issue 4). In one run against one broker and ONE Mongo
# server:
#   1. Drain, compute-bound: a topic pre-filled by `producer --rate 0` (wall-clock event times,
#      so 1M events span a few seconds: few windows); `consumer --available-now` from earliest,
#      fresh checkpoint and db, until it exits: events/s over its wall time, and over the sum of
#      its batch durations (Spark start-up excluded). Goal >= 50k events/s. The ceiling
#      (below) on the same topic splits the time into read+count and Mongo writes.
#   2. Drain, write-bound: N events with event times spread over 2 h (bench/consumerbench.java
#      fill, 7.2 ms steps for 1M; ~380k window documents); the consumer in each setting of
#      CASE2_SETTINGS against bench/ceiling.java (plain Java, each final document written once)
#      with the same bulk size, into fresh dbs; prints events/s and the ratio. Goal >= 0.8.
#   3. Freshness: the producer at 5k events/s with the consumer running (--trigger 0s); a probe
#      sends a marker event (a user of its own) every 500 ms and polls its window document by
#      _id: p50/p95 from send to visible. Goal p95 <= 3 s.
#
# Usage: bench/consumer-bench.sh [--brokers H:P] [--mongo-uri URI] [--events N] [--seconds S]
#                                [--cases 123]
#   --brokers    Kafka (default: $KAFKA_BOOTSTRAP or localhost:9092)
#   --mongo-uri  MongoDB (default: $MONGO_URI or mongodb://localhost:27017)
#   --events     events of cases 1 and 2 (default 1000000; the 2 h spread is kept: the step
#                is 7,200,000 ms / N)
#   --seconds    length of the freshness probe (default 60)
#   --cases      which cases to run (default 123)
# Settings of case 2 (env CASE2_SETTINGS, ';'-separated "max-offsets-per-trigger bulk-size
# shuffle-partitions"; max-offsets 0 = one batch for the whole backlog). Case 1's
# max-offsets-per-trigger: env CASE1_MAX_OFFSETS (default 0, the consumer's default: one batch).
# CONSUMER_CDS=1 runs every consumer with `jbang run --cds` (class data sharing, README:
# Performance considerations) after a training drain of 50k events that writes the archive.
# Topics (bench-<time>-*) stay on the broker; every database the run creates is dropped.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/common.sh"
brokers="${KAFKA_BOOTSTRAP:-localhost:9092}"
mongo="${MONGO_URI:-mongodb://localhost:27017}"
events=1000000
seconds=60
cases=123
settings="${CASE2_SETTINGS:-250000 1000 1;0 1000 1}"
c1max="${CASE1_MAX_OFFSETS:-0}" # max-offsets-per-trigger of case 1; 0 (the consumer's default) = one batch
while (($# > 0)); do
  case "$1" in
    --brokers) brokers="$2"; shift 2 ;;
    --mongo-uri) mongo="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    -h|--help) sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "consumer-bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d /tmp/consumer-bench.XXXXXX)"
run_id="$(date +%s)"
bg_pids=()
dbs=()
cleanup() {
  for p in "${bg_pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  for d in "${dbs[@]}"; do tool drop --mongo-uri "$mongo" --db "$d" >/dev/null 2>&1 || true; done
  echo "(logs kept in $work)"
}
trap cleanup EXIT

jb() { "$root/jbang" "$@"; }
tool() { jb "$root/bench/consumerbench.java" "$@"; }
summary=()
say() { echo "$*"; summary+=("$*"); }

# Builds every script once, outside every timing.
jb build "$root/bench/ceiling.java" >/dev/null 2>&1
jb build "$root/bench/consumerbench.java" >/dev/null 2>&1
jb producer --version >/dev/null 2>&1
jb consumer --version >/dev/null 2>&1
consumer_cmd=(consumer)
if [[ "${CONSUMER_CDS:-0}" == 1 ]]; then
  # The archive holds the classes its first run loads: train it on a real drain, untimed.
  consumer_cmd=(run --cds consumer)
  jb producer --broker "$brokers" --topic "bench-$run_id-cds" --rate 0 --count 50000 \
    --seed 9 >"$work/cds-fill.out" 2>&1
  dbs+=("bench_${run_id}_cds")
  jb "${consumer_cmd[@]}" --brokers "$brokers" --topic "bench-$run_id-cds" --mongo-uri "$mongo" \
    --db "bench_${run_id}_cds" --checkpoint-base "$work/ckpt-cds" --available-now \
    --bulk-size 1000 >"$work/cds-train.out" 2>&1
  echo "class data sharing: trained on 50k events ($(grep -c '^batch' "$work/cds-train.out") batches)"
fi
mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "== consumer: jbang ${consumer_cmd[*]}; brokers $brokers; mongo $mongo; $(nproc) cores; $mem; $(date -u +%Y-%m-%dT%H:%MZ); $(load)"

# Runs the consumer to the end of the topic; prints "events wall_s sum_batch_ms batches docs
# first_batch_ms startup_s" (startup: process start to the first batch's end minus its duration).
drain() { # topic db bulk maxoffsets shuffle log
  local topic="$1" db="$2" bulk="$3" maxo="$4" shuffle="$5" log="$6"
  local t0 t1
  t0="$(now)"
  jb "${consumer_cmd[@]}" --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" --db "$db" \
    --checkpoint-base "$work/ckpt-$db" --starting-offsets earliest --available-now \
    --max-offsets-per-trigger "$maxo" --bulk-size "$bulk" --shuffle-partitions "$shuffle" \
    2>"$log.err" | while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done >"$log"
  t1="$(now)"
  awk -v t0="$t0" -v t1="$t1" '
    / batch [0-9]+: / { n++; rows += $4; for (i = 1; i <= NF; i++) {
        if ($(i+1) == "ms,") ms = $i;
        if ($(i+1) == "docs" && $(i+2) == "written,") docs += $i }
      sum += ms; if (n == 1) { first = ms; start = $1 - ms / 1000 - t0 } }
    END { printf "%d %.2f %d %d %d %d %.2f\n", rows, t1 - t0, sum, n, docs, first, start }' "$log"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# --- 1. drain, compute-bound -------------------------------------------------------------------
if [[ "$cases" == *1* ]]; then
  topic="bench-$run_id-drain"
  jb producer --broker "$brokers" --topic "$topic" --rate 0 --count "$events" --batch 1000 \
    --seed 1 >"$work/fill1.out" 2>&1
  echo "case 1 filled: $(grep '^summary' "$work/fill1.out")"
  db="bench_${run_id}_c1"; dbs+=("$db")
  l="$(load)"
  read -r rows wall sum n docs first start < <(drain "$topic" "$db" 1000 "$c1max" 1 "$work/c1.log")
  say "$(printf 'CASE 1 drain compute-bound: %d events in %d batches (max-offsets-per-trigger '"$c1max"', bulk 1000, 1 shuffle partition); wall %.1f s = %.0f events/s; batches alone %.1f s = %.0f events/s; first batch %d ms; start-up %.1f s; %d documents written; %s' \
    "$rows" "$n" "$wall" "$(awk -v r="$rows" -v w="$wall" 'BEGIN{print r/w}')" "$(awk -v s="$sum" 'BEGIN{print s/1000}')" \
    "$(awk -v r="$rows" -v s="$sum" 'BEGIN{print r/(s/1000)}')" "$first" "$start" "$docs" "$l")"
  echo "   $(tool count --mongo-uri "$mongo" --db "$db")"
  tool drop --mongo-uri "$mongo" --db "$db"
  # The ceiling on the same topic: splits the case into read+count and Mongo write time.
  db="bench_${run_id}_c1ceil"; dbs+=("$db")
  l="$(load)"
  jb "$root/bench/ceiling.java" --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" \
    --db "$db" --bulk-size 1000 >"$work/ceiling-c1.out" 2>&1
  c1ceil="$(sed -nE 's/.* ([0-9]+) events\/s$/\1/p' "$work/ceiling-c1.out")"
  say "CASE 1 ceiling bulk 1000: $(grep '^ceiling:' "$work/ceiling-c1.out" | cut -c10-); $l"
  say "CASE 1 ratio consumer wall / ceiling: $(ratio "$(awk -v r="$rows" -v w="$wall" 'BEGIN{print r/w}')" "$c1ceil")"
  tool drop --mongo-uri "$mongo" --db "$db"
fi

# --- 2. drain, write-bound, against the ceiling -------------------------------------------------
if [[ "$cases" == *2* ]]; then
  topic="bench-$run_id-spread"
  step="$(awk -v n="$events" 'BEGIN { printf "%.6f", 7200000 / n }')"
  tool fill --brokers "$brokers" --topic "$topic" --count "$events" \
    --start-time 2026-01-01T00:00:00Z --step-ms "$step" --seed 2 | tee "$work/fill2.out"
  IFS=';' read -r -a sets <<<"$settings"
  declare -A ceil=()
  k=0
  for set in "${sets[@]}"; do
    read -r maxo bulk shuffle <<<"$set"
    k=$((k + 1))
    if [[ -z "${ceil[$bulk]:-}" ]]; then
      db="bench_${run_id}_c2ceil$bulk"; dbs+=("$db")
      l="$(load)"
      tool count --mongo-uri "$mongo" --db "$db" >/dev/null # connection warm-up, empty db
      jb "$root/bench/ceiling.java" --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" \
        --db "$db" --bulk-size "$bulk" 2>&1 | tee "$work/ceiling$bulk.out"
      ceil[$bulk]="$(sed -nE 's/.* ([0-9]+) events\/s$/\1/p' "$work/ceiling$bulk.out")"
      say "CASE 2 ceiling bulk $bulk: $(grep '^ceiling:' "$work/ceiling$bulk.out" | cut -c10-); $l"
      echo "   $(tool count --mongo-uri "$mongo" --db "$db")"
      tool drop --mongo-uri "$mongo" --db "$db"
    fi
    db="bench_${run_id}_c2s$k"; dbs+=("$db")
    l="$(load)"
    read -r rows wall sum n docs first start < <(drain "$topic" "$db" "$bulk" "$maxo" "$shuffle" "$work/c2s$k.log")
    rate_wall="$(awk -v r="$rows" -v w="$wall" 'BEGIN{printf "%.0f", r/w}')"
    rate_b="$(awk -v r="$rows" -v s="$sum" 'BEGIN{printf "%.0f", r/(s/1000)}')"
    say "$(printf 'CASE 2 consumer max-offsets %s bulk %s shuffle %s: %d events, %d batches, %d documents written; wall %.1f s = %s events/s (ratio %s); batches alone %.1f s = %s events/s (ratio %s); first batch %d ms; start-up %.1f s; %s' \
      "$maxo" "$bulk" "$shuffle" "$rows" "$n" "$docs" "$wall" "$rate_wall" "$(ratio "$rate_wall" "${ceil[$bulk]}")" \
      "$(awk -v s="$sum" 'BEGIN{print s/1000}')" "$rate_b" "$(ratio "$rate_b" "${ceil[$bulk]}")" "$first" "$start" "$l")"
    grep ' batch ' "$work/c2s$k.log" | cut -d' ' -f2- | sed 's/^/     /'
    echo "   $(tool count --mongo-uri "$mongo" --db "$db")"
    tool drop --mongo-uri "$mongo" --db "$db"
  done
fi

# --- 3. freshness ---------------------------------------------------------------------------------
if [[ "$cases" == *3* ]]; then
  topic="bench-$run_id-fresh"
  db="bench_${run_id}_c3"; dbs+=("$db")
  # "$root/jbang" (not the jb function) so that $! is the JVM: the wrapper execs it.
  "$root/jbang" producer --broker "$brokers" --topic "$topic" --rate 5000 \
    --duration "$((seconds + 60))s" --seed 3 >"$work/c3-producer.out" 2>&1 &
  ppid=$!
  bg_pids+=("$ppid")
  until grep -q '^producer: connected' "$work/c3-producer.out" 2>/dev/null; do sleep 0.2; done
  "$root/jbang" "${consumer_cmd[@]}" --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" --db "$db" \
    --checkpoint-base "$work/ckpt-$db" --starting-offsets earliest --trigger 0s \
    --bulk-size 1000 >"$work/c3-consumer.out" 2>&1 &
  cpid=$!
  bg_pids+=("$cpid")
  # Past start-up and the first (catch-up) batches: the probe starts once a batch is short.
  deadline=$((SECONDS + 120))
  until awk '/^batch [0-9]+: / { n++ } END { exit !(n >= 3) }' "$work/c3-consumer.out"; do
    ((SECONDS < deadline)) || { cat "$work/c3-consumer.out"; exit 1; }
    sleep 0.5
  done
  l="$(load)"
  tool probe --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" --db "$db" \
    --seconds "$seconds" --every-ms 500 | tee "$work/c3-probe.out"
  l2="$(load)"
  kill "$cpid" "$ppid" 2>/dev/null || true
  wait "$cpid" "$ppid" 2>/dev/null || true
  say "CASE 3 freshness at 5k events/s, trigger 0s, bulk 1000: $(grep '^probe:' "$work/c3-probe.out" | cut -c8-); $l (start), $l2 (end)"
  awk '/^batch [0-9]+: / { for (i = 1; i <= NF; i++) if ($(i+1) == "ms,") ms[n++] = $i }
    END { if (n > 3) { for (i = 3; i < n; i++) { s += ms[i]; if (ms[i] > m) m = ms[i] }
      printf "   consumer batches after the third: %d, mean %.0f ms, max %d ms\n", n - 3, s / (n - 3), m } }' \
    "$work/c3-consumer.out" >"$work/c3-batches.txt"
  say "$(cat "$work/c3-batches.txt")"
  grep 'summary\|cannot keep up' "$work/c3-producer.out" | tail -2 || true
fi

echo
echo "== SUMMARY ($(date -u +%Y-%m-%dT%H:%MZ), mongo $mongo)"
printf '%s\n' "${summary[@]}"
