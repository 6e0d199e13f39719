#!/usr/bin/env bash
#
# Cluster benchmark (issue 15; not a timed test). One run, one machine, one Mongo server:
#   1. The consumer draining N events in local[2] against the same drain on a Spark standalone
#      cluster of 2 workers (1 core and 2g each, executors launched by the workers), both from
#      JBang, the same flags otherwise (a 2-partition topic, 2 shuffle partitions, bulk 1000):
#      wall time of each, the ratio, and where the cluster's time goes (Spark's event log:
#      start to first task, task launch, shuffle, jar resolution and shipping).
#   2. How the cost grows: the same for N = 0.25M, 0.5M, 1M, 2M events.
# Everything runs on a stack of its own (./jbang stack up: one Kafka node, mongo-java-server in
# memory, a master and 2 workers) on free ports under a temporary folder, stopped at the end.
#
# Usage: bench/cluster-bench.sh [--events "250000 500000 1000000 2000000"] [--skip-local]
#   (~12 min; --events "4000000 8000000" for where the cost bends, ~5 min more)
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/common.sh"
sizes="250000 500000 1000000 2000000"
skip_local=0
while (($# > 0)); do
  case "$1" in
    --events) sizes="$2"; shift 2 ;;
    --skip-local) skip_local=1; shift ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster-bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d /tmp/cluster-bench.XXXXXX)"
kport=$(free_port); cport=$(free_port); mport=$(free_port); sport=$(free_port)
uport=$(free_port); w1=$(free_port); w2=$(free_port)
stack_args=(--storage "$work/stack" --kafka-port "$kport" --controller-port "$cport"
  --mongo-port "$mport" --mongo-backend memory --spark-workers 2 --spark-master-port "$sport"
  --spark-ui-port "$uport" --worker-ui-port "$w1,$w2" --worker-cores 1 --worker-memory 2g)
jb() { "$root/jbang" "$@"; }
cleanup() { jb stack down "${stack_args[@]}" >/dev/null 2>&1 || true; echo "(logs kept in $work)"; }
trap cleanup EXIT

jb stack up "${stack_args[@]}" >"$work/stack-up.log" 2>&1 || { cat "$work/stack-up.log"; exit 1; }
brokers="localhost:$kport"
mongo="mongodb://localhost:$mport"
master="spark://127.0.0.1:$sport"
jb consumer --version >/dev/null 2>&1
echo "== cluster bench: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD); master $master (2 workers x 1 core, 2g); mongo-java-server in memory"

# drain NAME TOPIC [flags...]: prints "wall_s rows docs" and keeps the event log.
drain() {
  local name="$1" topic="$2"; shift 2
  local t0 t1 ev="$work/events-$name"
  mkdir -p "$ev"
  t0="$(now)"
  jb consumer --brokers "$brokers" --topic "$topic" --mongo-uri "$mongo" --db "b_$name" \
    --checkpoint-base "$work/ckpt-$name" --available-now --bulk-size 1000 \
    --shuffle-partitions 2 --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=$ev" \
    --conf spark.eventLog.rolling.enabled=false --conf spark.eventLog.compress=false \
    "$@" >"$work/$name.out" 2>"$work/$name.err"
  t1="$(now)"
  awk -v t0="$t0" -v t1="$t1" '/^consumer: done: / { rows = $3; docs = $8 }
    END { printf "%.2f %d %d\n", t1 - t0, rows, docs }' "$work/$name.out"
}

results=()
for n in $sizes; do
  topic="cb-$n-$(date +%s)"
  jb stack kafka-topics --bootstrap-server "$brokers" --create --topic "$topic" \
    --partitions 2 --replication-factor 1 >/dev/null
  jb producer --broker "$brokers" --topic "$topic" --rate 0 --count "$n" --batch 1000 --seed 5 \
    >"$work/fill-$n.out" 2>&1
  if ((skip_local == 0)); then
    l="$(load)"
    read -r lw lrows ldocs < <(drain "local-$n" "$topic" --master local[2])
    lwhere="$(python3 "$root/bench/sparkevents.py" "$(ls "$work/events-local-$n"/* | head -1)")"
    echo "local[2] $n: $lrows events, $ldocs documents, wall $lw s = $(awk -v r="$lrows" -v w="$lw" 'BEGIN{printf "%.0f", r/w}') events/s; $lwhere; $l"
  fi
  l="$(load)"
  read -r cw crows cdocs < <(drain "cluster-$n" "$topic" --master "$master" \
    --executor-memory 1g --conf "spark.master.ui.port=$uport")
  cwhere="$(python3 "$root/bench/sparkevents.py" "$(ls "$work/events-cluster-$n"/* | head -1)")"
  echo "cluster  $n: $crows events, $cdocs documents, wall $cw s = $(awk -v r="$crows" -v w="$cw" 'BEGIN{printf "%.0f", r/w}') events/s; $cwhere; $l"
  if ((skip_local == 0)); then
    results+=("$n events: local[2] $lw s, cluster $cw s, cluster/local $(awk -v a="$cw" -v b="$lw" 'BEGIN{printf "%.2f", a/b}')")
    [[ "$lrows" == "$crows" && "$ldocs" == "$cdocs" ]] \
      || echo "   (the runs differ: local $lrows/$ldocs, cluster $crows/$cdocs)"
  else
    results+=("$n events: cluster $cw s")
  fi
done
echo
echo "== SUMMARY"
printf '%s\n' "${results[@]}"
