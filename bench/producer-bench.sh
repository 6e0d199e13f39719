#!/usr/bin/env bash
#
# Producer benchmark (not a timed test). In one run against one broker:
#   1. `producer --rate 0` against Kafka's own perf tool (org.apache.kafka.tools.ProducerPerformance
#      from kafka-tools 4.1.1) with the same records (the perf tool replays a file of the
#      producer's own events, so size and compressibility are equal), acks, idempotence,
#      compression and batching; prints records/s of both and the ratio.
#   2. The producer at fixed rates (1k, 10k, 100k events/s): achieved/target and CPU use of its
#      JVM, sampled from /proc/<pid>/stat over the steady part of the run (start-up excluded).
#   3. Compression codecs at --rate 0: records/s and bytes per record in the broker's log.
#
# Usage: bench/producer-bench.sh [--broker HOST:PORT] [--count N] [--seconds S] [--skip-codecs]
#   --broker   bootstrap servers (default: $KAFKA_BOOTSTRAP or localhost:9092)
#   --count    records per throughput run (default: 1000000)
#   --seconds  length of each fixed-rate run (default: 20)
# Topics are created fresh (bench-<time>-<what>, 1 partition) and left on the broker.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
broker="${KAFKA_BOOTSTRAP:-localhost:9092}"
count=1000000
seconds=20
codecs=1
while (($# > 0)); do
  case "$1" in
    --broker) broker="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --skip-codecs) codecs=0; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "producer-bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
bg_pid=""
cleanup() {
  if [[ -n "$bg_pid" ]] && kill -0 "$bg_pid" 2>/dev/null; then
    kill "$bg_pid" 2>/dev/null || true
    wait "$bg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== classpath of kafka-tools (bench/pom.xml)"
mvn -q -f "$root/bench/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >&2
cp="$(cat "$work/cp.txt")"
tools() { java -cp "$cp" "$root/bench/BenchTools.java" "$@"; }
run_id="$(date +%s)"
clk_tck="$(getconf CLK_TCK)"

# The delivery settings the producer uses (see clientConfig in scripts/producer.java).
common_props=(acks=all enable.idempotence=true max.in.flight.requests.per.connection=5
  compression.type=lz4 linger.ms=10 batch.size=131072 buffer.memory=67108864)

mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "== broker $broker; $(nproc) cores; $mem; $(date -u +%Y-%m-%dT%H:%MZ)"
"$root/jbang" producer --version >/dev/null # builds the script once, outside every timing

# records/sec of a "summary: ..." (producer) or final perf-tool line
producer_rate() { grep -o '[0-9.]* records/sec' "$1" | tail -1 | cut -d' ' -f1; }

# --- 1. throughput against the perf tool ----------------------------------------------------------
# Both tools are run twice, alternately (producer, perf tool, producer, perf tool), each on a fresh
# topic, so that broker warm-up and the machine's other load hit both alike; the best run of each
# is compared (a run's rate includes its JVM's JIT warm-up, as the perf tool's own figure does).
t_seed="bench-$run_id-seed"
tools create "$broker" "$t_seed" 1
"$root/jbang" producer --broker "$broker" --topic "$t_seed" --rate 0 --count 100000 --seed 1 \
  >"$work/seed.out" 2>&1
read -r n_payloads avg_size < <(tools dump "$broker" "$t_seed" 100000 "$work/payloads.txt")
echo "== $count records per run; the perf tool replays $n_payloads of the producer's events" \
  "(mean $avg_size B)"
best_ours=0
best_perf=0
for round in 1 2; do
  topic="bench-$run_id-producer-$round"
  tools create "$broker" "$topic" 1
  "$root/jbang" producer --broker "$broker" --topic "$topic" --rate 0 --count "$count" \
    --batch 1000 --seed "$round" >"$work/ours.out" 2>&1
  ours="$(producer_rate "$work/ours.out")"
  echo "producer run $round: $(grep '^summary' "$work/ours.out")"
  topic="bench-$run_id-perftool-$round"
  tools create "$broker" "$topic" 1
  java -cp "$cp" org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
    --num-records "$count" --throughput -1 --payload-file "$work/payloads.txt" \
    --producer-props bootstrap.servers="$broker" "${common_props[@]}" >"$work/perf.out" 2>&1
  perf="$(grep 'records/sec' "$work/perf.out" | tail -1 \
    | sed -E 's/.*, ([0-9.]+) records\/sec.*/\1/')"
  echo "perf tool run $round: $(tail -1 "$work/perf.out")"
  best_ours="$(awk -v a="$best_ours" -v b="$ours" 'BEGIN { print (b > a) ? b : a }')"
  best_perf="$(awk -v a="$best_perf" -v b="$perf" 'BEGIN { print (b > a) ? b : a }')"
done
ratio="$(awk -v a="$best_ours" -v b="$best_perf" 'BEGIN { printf "%.2f", a / b }')"
printf 'THROUGHPUT best of 2: producer %.0f records/s, ProducerPerformance %.0f records/s, %s\n' \
  "$best_ours" "$best_perf" "ratio $ratio"

# --- 2. fixed rates: achieved/target and CPU -------------------------------------------------
# CPU ticks of a process: "total jit" (jit = its C1/C2 compiler threads), from /proc/<pid>/task.
cpu_ticks() {
  local total=0 jit=0 t ticks
  for t in /proc/"$1"/task/*; do
    ticks="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null || echo 0)"
    total=$((total + ticks))
    if grep -q '^C[12] CompilerThre' "$t/comm" 2>/dev/null; then
      jit=$((jit + ticks))
    fi
  done
  echo "$total $jit"
}
for rate in 1000 10000 100000; do
  topic="bench-$run_id-rate$rate"
  tools create "$broker" "$topic" 1
  out="$work/rate$rate.out"
  "$root/jbang" producer --broker "$broker" --topic "$topic" --rate "$rate" \
    --duration "${seconds}s" --seed 2 >"$out" 2>&1 &
  bg_pid=$!
  # The wrapper execs the JVM, so $bg_pid becomes the producer's JVM: sample it once it runs.
  until grep -q '^producer: connected' "$out" 2>/dev/null; do
    kill -0 "$bg_pid" 2>/dev/null || { cat "$out"; exit 1; }
    sleep 0.2
  done
  sleep 3 # past start-up and JIT warm-up
  t0="$(date +%s.%N)"; read -r c0 j0 < <(cpu_ticks "$bg_pid")
  sleep $((seconds - 6))
  t1="$(date +%s.%N)"; read -r c1 j1 < <(cpu_ticks "$bg_pid")
  wait "$bg_pid" || true
  bg_pid=""
  achieved="$(producer_rate "$out")"
  cpu="$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$clk_tck" \
    'BEGIN { printf "%.1f", 100 * (c1 - c0) / hz / (t1 - t0) }')"
  cpu_nojit="$(awk -v c0="$((c0 - j0))" -v c1="$((c1 - j1))" -v t0="$t0" -v t1="$t1" \
    -v hz="$clk_tck" 'BEGIN { printf "%.1f", 100 * (c1 - c0) / hz / (t1 - t0) }')"
  lag="$(grep -c 'cannot keep up' "$out" || true)"
  share="$(awk -v a="$achieved" -v t="$rate" 'BEGIN { printf "%.3f", a / t }')"
  printf 'RATE target %d/s: achieved %.0f/s (%s of target), CPU %s%% of one core' \
    "$rate" "$achieved" "$share" "$cpu"
  printf ' (%s%% without JIT compiler threads), p99 %s ms, %s lag warnings\n' "$cpu_nojit" \
    "$(grep -o '[0-9]* ms 99th' "$out" | cut -d' ' -f1)" "$lag"
done

# --- 3. compression codecs -------------------------------------------------------------------
if ((codecs)); then
  for codec in lz4 zstd snappy none; do
    topic="bench-$run_id-$codec"
    tools create "$broker" "$topic" 1
    "$root/jbang" producer --broker "$broker" --topic "$topic" --rate 0 --count "$count" \
      --batch 1000 --seed 1 -X "compression.type=$codec" >"$work/$codec.out" 2>&1
    bytes="$(tools size "$broker" "$topic")"
    per_record="$(awk -v b="$bytes" -v n="$count" 'BEGIN { print b / n }')"
    printf 'CODEC %-6s %.0f records/s, %.1f B/record in the log\n' "$codec" \
      "$(producer_rate "$work/$codec.out")" "$per_record"
  done
fi
