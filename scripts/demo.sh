#!/usr/bin/env bash
# The one-command demo of the whole chain (README: "Quick start"). On a machine with Java 17+
# (and Python 3 for the notebooks) it:
#   1. brings the local stack up (Kafka + mongo-java-server; ./jbang stack up),
#   2. builds the producer and the consumer (the first run downloads Spark: a few minutes),
#   3. runs the producer and the consumer side by side for about a minute, showing progress,
#   4. lets the consumer catch up, stops both cleanly,
#   5. renders the dashboard notebook to storage/reports/dashboard.html,
# then prints where the report is and how to stop everything. The stack keeps running so that
# you can open the notebooks (scripts/notebooks.sh open) on the same data.
#
#   scripts/demo.sh
#
# Each run uses its own topic (demo-<time>) and checkpoint (storage/checkpoint/demo-<time>), so
# runs never mix; the counts go to kpi_db, where the notebooks look by default.
#
# Environment: DEMO_SECONDS (60), DEMO_RATE events/s (500), DEMO_USERS (200), DEMO_ITEMS (100),
# and the usual KAFKA_BOOTSTRAP / MONGO_URI / MONGO_DB when you point it at other servers. The
# key space is small on purpose: each user and item gets enough events for readable charts, and
# even a stack on FerretDB (which slows down as collections grow) keeps up.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${DEMO_SECONDS:-60}
rate=${DEMO_RATE:-500}
users=${DEMO_USERS:-200}
items=${DEMO_ITEMS:-100}
run_id=$(date -u +%Y%m%d-%H%M%S)
topic="demo-$run_id"
checkpoint="$root/storage/checkpoint/demo-$run_id"
logs="$root/storage/logs"
say() { printf '\n[demo] %s\n' "$*"; }
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "DEMO_SECONDS must be a positive whole number, was '$seconds'"
[[ "$rate" =~ ^[1-9][0-9]*$ ]] || die "DEMO_RATE must be a positive whole number, was '$rate'"
[[ "$users" =~ ^[1-9][0-9]*$ ]] || die "DEMO_USERS must be a positive whole number, was '$users'"
[[ "$items" =~ ^[1-9][0-9]*$ ]] || die "DEMO_ITEMS must be a positive whole number, was '$items'"
mkdir -p "$logs" || die "cannot create $logs"

producer_pid=""
consumer_pid=""
stop_children() {
  for pid in $producer_pid $consumer_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in $producer_pid $consumer_pid; do
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_children EXIT
trap 'echo; die "interrupted: producer and consumer stopped; the stack is still up (./jbang stack down)"' INT TERM

say "1/5 bringing the local stack up"
./jbang stack up
if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then export KAFKA_BOOTSTRAP=localhost:9092; fi
if [ -z "${MONGO_URI:-}" ]; then export MONGO_URI=mongodb://localhost:27017; fi

say "2/5 building the producer and the consumer (the first time downloads Spark, a few minutes)"
./jbang build producer
./jbang build consumer

say "3/5 running the producer ($rate events/s, $users users, $items items) and the consumer for ${seconds} s on topic $topic (logs: $logs/demo-*.log)"
# Both logs exist before either program starts, so the progress lines below never read a
# file that is not there yet.
: >"$logs/demo-consumer.log"
: >"$logs/demo-producer.log"
./jbang consumer --topic "$topic" --checkpoint-base "$checkpoint" --trigger 5s \
  >>"$logs/demo-consumer.log" 2>&1 &
consumer_pid=$!
./jbang producer --topic "$topic" --rate "$rate" --users "$users" --items "$items" \
  --duration "${seconds}s" --report-interval 10s >>"$logs/demo-producer.log" 2>&1 &
producer_pid=$!
last_p="" last_c=""
show_progress() {  # each one's newest line, once (the producer's summary is shown by itself)
  local p c
  p=$(grep -E '^[0-9]+ records sent' "$logs/demo-producer.log" | tail -n 1 || true)
  c=$(grep -E '^batch [0-9]+:' "$logs/demo-consumer.log" | tail -n 1 || true)
  if [ -n "$p" ] && [ "$p" != "$last_p" ]; then printf '  producer: %s\n' "$p"; last_p=$p; fi
  if [ -n "$c" ] && [ "$c" != "$last_c" ]; then printf '  consumer: %s\n' "$c"; last_c=$c; fi
}
while kill -0 "$producer_pid" 2>/dev/null; do
  kill -0 "$consumer_pid" 2>/dev/null || { tail -n 5 "$logs/demo-consumer.log" >&2; die "the consumer stopped (see $logs/demo-consumer.log)"; }
  show_progress
  sleep 5
done
wait "$producer_pid" || { tail -n 5 "$logs/demo-producer.log" >&2; die "the producer failed (see $logs/demo-producer.log)"; }
producer_pid=""
grep -E '^summary' "$logs/demo-producer.log" | sed 's/^/  producer: /' || true

# Caught up = every acknowledged record counted. (Offsets lag reads 0 as soon as a batch takes
# everything that had arrived, while the records sent during that batch still wait.)
sent=$(sed -nE 's/^summary: ([0-9]+) records sent.*/\1/p' "$logs/demo-producer.log")
counted() { awk '/^batch [0-9]+:/ { n += $3 } END { print n + 0 }' "$logs/demo-consumer.log"; }
say "4/5 letting the consumer catch up (${sent:-?} records), then stopping it"
deadline=$((SECONDS + 120))
until [ "$(counted)" -ge "${sent:-0}" ]; do
  kill -0 "$consumer_pid" 2>/dev/null || die "the consumer stopped (see $logs/demo-consumer.log)"
  [ "$SECONDS" -lt "$deadline" ] || { say "the consumer has not caught up after 120 s; stopping it anyway"; break; }
  show_progress
  sleep 2
done
show_progress
kill -TERM "$consumer_pid" 2>/dev/null || true
wait "$consumer_pid" 2>/dev/null || true
consumer_pid=""

say "5/5 rendering the dashboard"
scripts/notebooks.sh render notebooks/dashboard.ipynb

report="$root/storage/reports/dashboard.html"
cat <<MSG

[demo] done. The dashboard: $report
  open it in a browser, or the live page:      scripts/notebooks.sh serve  (http://127.0.0.1:8501/)
  the notebooks in Jupyter:                    scripts/notebooks.sh open
  more events:                                  ./jbang producer --duration 5m
  keep counting:                                ./jbang consumer
  stop everything:                              ./jbang stack down
MSG
