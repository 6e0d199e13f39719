#!/usr/bin/env bash
#
# What each fault of docs/cluster.md costs, measured (issue 15; not a timed test): a stack of
# its own (3 Kafka nodes, a Spark master with 2 workers, mongo-java-server in memory), the
# producer at 500 events/s and the consumer on the cluster (--trigger 1s), then, one after the
# other, kill -9 of: a Kafka node (restarted 30 s later), an executor, a worker, the driver
# (restarted at once); and a worker added. For each: the longest gap between two completed
# micro-batches from the fault on (against the gaps before it), and for the producer the worst
# acknowledgement latency of its 1 s progress lines. Ends with the documents against an
# independent recount of the topic (bench/consumerbench.java count).
#
# Usage: bench/cluster-faults.sh
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/common.sh"
work="$(mktemp -d /tmp/cluster-faults.XXXXXX)"
k1=$(free_port); k2=$(free_port); k3=$(free_port); c1=$(free_port); c2=$(free_port); c3=$(free_port)
mport=$(free_port); sport=$(free_port); uport=$(free_port); w1=$(free_port); w2=$(free_port); w3=$(free_port)
st=(--storage "$work/stack" --kafka-nodes 3 --kafka-port "$k1,$k2,$k3" --controller-port "$c1,$c2,$c3"
  --mongo-port "$mport" --mongo-backend memory --spark-master-port "$sport" --spark-ui-port "$uport"
  --worker-ui-port "$w1,$w2,$w3" --worker-cores 1 --worker-memory 1g)
jb() { "$root/jbang" "$@"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  jb stack down "${st[@]}" --spark-workers 3 >/dev/null 2>&1 || true
  echo "(logs kept in $work)"
}
trap cleanup EXIT
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done; }
pid_of() { cat "$work/stack/run/$1.pid"; }

jb stack up "${st[@]}" --spark-workers 2 >"$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
brokers="localhost:$k1,localhost:$k2,localhost:$k3"
mongo="mongodb://localhost:$mport"
topic="faults-$(date +%s)"
jb stack kafka-topics --bootstrap-server "$brokers" --create --topic "$topic" --partitions 3 \
  --replication-factor 3 >/dev/null
echo "== cluster faults: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD); 3 Kafka nodes (RF 3, min ISR 2), 2 workers x 1 core"

"$root/jbang" producer --broker "$brokers" --topic "$topic" --rate 500 --duration 6m \
  --report-interval 1s --seed 21 > >(stamp >"$work/producer.log") 2>&1 &
pids+=($!)
start_consumer() {
  "$root/jbang" consumer --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" --db faults \
    --checkpoint-base "$work/ckpt" --trigger 1s --master "spark://127.0.0.1:$sport" \
    --executor-memory 512m --conf "spark.master.ui.port=$uport" > >(stamp >>"$work/consumer.log") \
    2>>"$work/consumer.err" &
  cpid=$!
  pids+=("$cpid")
}
start_consumer
until grep -q ' batch [0-9]*: [1-9]' "$work/consumer.log" 2>/dev/null; do sleep 1; done
sleep 20

# gap SINCE: the longest time between completed batches after SINCE, and in the 20 s before it.
gap() {
  awk -v t="$1" -v now="$(now)" '/ batch [0-9]+: / { if (prev) { g = $1 - prev; if ($1 > t) { if (g > after) after = g }
      else if ($1 > t - 20 && g > before) before = g } ; prev = $1 }
    END { if (now - prev > after) after = now - prev  # a batch still running counts too
      printf "longest gap between batches after it %.1f s (20 s before it %.1f s)", after, before }' \
    "$work/consumer.log"
}
latency() { # worst max latency of the producer's 1 s lines after $1
  awk -v t="$1" '$1 > t && / records sent, / { for (i = 1; i <= NF; i++) if ($(i+1) == "ms" && $(i+2) == "max") if ($i > m) m = $i }
    END { printf "producer: worst acknowledgement %.0f ms", m }' "$work/producer.log"
}
report() { echo "$1: $(gap "$2"); $(latency "$2")"; }

t=$(now); kill -9 "$(pid_of kafka-2)"; sleep 30
report "Kafka node 2 killed (30 s down)" "$t"
t2=$(now); jb stack up "${st[@]}" --spark-workers 2 >"$work/up2.log" 2>&1
echo "   node 2 back and caught up after $(awk -v a="$t2" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s (stack up)"
sleep 20
executor=$(pgrep -P "$(pid_of spark-worker-1)" -f CoarseGrainedExecutorBackend | head -1)
t=$(now); kill -9 "$executor"; sleep 30
report "an executor killed" "$t"
t=$(now); kill -9 "$(pid_of spark-worker-1)"; sleep 30
report "worker 1 killed" "$t"
t=$(now); jb stack up "${st[@]}" --spark-workers 3 >"$work/up3.log" 2>&1; sleep 30
report "workers 1 and 3 started under the running job" "$t"
t=$(now); kill -9 "$cpid"; start_consumer
until awk -v t="$t" '$1 > t && / batch [0-9]+: [1-9]/ { f = 1 } END { exit !f }' "$work/consumer.log"; do sleep 1; done
echo "the driver killed and started again: first batch with data $(awk -v a="$t" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s later"
sleep 20
kill "${pids[0]}" 2>/dev/null || true; wait "${pids[0]}" 2>/dev/null || true
acked=$(sed -nE 's/.*summary: ([0-9]+) records sent.*/\1/p' "$work/producer.log")
# Caught up: an empty batch after the producer's end (the rows of the batch lines do not add up
# to the topic: the killed driver may have committed a batch it never printed).
t=$(now)
until awk -v t="$t" '$1 > t && / batch [0-9]+: 0 rows/ { f = 1 } END { exit !f }' "$work/consumer.log"; do sleep 1; done
kill "$cpid"; wait "$cpid" 2>/dev/null || true
echo "producer: ${acked} records acknowledged, so each collection's counts sum to $((2 * acked)) (every event in 2 sliding windows); stored: $(jb "$root/bench/consumerbench.java" count --mongo-uri "$mongo" --db faults)"
