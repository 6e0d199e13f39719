#!/usr/bin/env bash
#
# Dashboard benchmark (not a timed test; issue 17). Measures the served dashboard
# (scripts/notebooks.sh serve) and, with --voila, Voilà serving the same notebook:
#   1. Pages: against the given database size on the `memory` server, the time from opening
#      the page's URL (the server answers) to the first KPI values in Chromium, cold (the
#      kernel starts as the page opens) and warm (nine more pages opened one after another),
#      and the resident memory of the serving processes (server and kernels; not the browser)
#      with 1 and with 10 pages open (bench/dashboardprobe.java, Selenium with Debian's
#      Chromium).
#   2. Refresh: the time of one refresh round (queries, views, export; status.json's roundMs)
#      at each size on each local Mongo server: memory, mongo-java-server (H2 file), ferretdb.
#   3. --voila: Voilà 0.5.13 (bench/voila-requirements.txt, a venv under storage/bench) on the
#      same notebook: time to the first KPIs of one page, and memory with 1 and 10 page views.
#
# Usage: bench/dashboard-bench.sh [--sizes 30000,150000] [--servers memory,mongo-java-server,
#                                  ferretdb] [--rounds 5] [--voila] [--skip-pages]
#   --sizes    window documents per database ((users + items) x windows; default 30000,150000)
#   --servers  local Mongo servers of case 2 (default all three; ferretdb needs Go)
#   --rounds   refresh rounds timed per size and server (default 5; the first round, which
#              warms the JVM, is not counted; at most 20 minutes per case)
# Ports (env): BENCH_DASHBOARD_PORT (48801), BENCH_MONGO_PORT (47217), BENCH_KAFKA_PORT (49292),
# BENCH_KAFKA_CONTROLLER_PORT (49293), BENCH_VOILA_PORT (48802); storage: storage/bench/dashboard.
# BENCH_ROUND_TIMEOUT (30m): serve's --round-timeout here, so that slow rounds are timed.
# The stack is its own (stopped at the end); prints one line per figure, with `uptime`'s load.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/common.sh"
cd "$root"
sizes=30000,150000
servers=memory,mongo-java-server,ferretdb
rounds=5
voila=0
pages=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --voila) voila=1; shift ;;
    --skip-pages) pages=0; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "[bench] unknown flag $1 (--help lists them)" >&2; exit 2 ;;
  esac
done
port=${BENCH_DASHBOARD_PORT:-48801}
vport=${BENCH_VOILA_PORT:-48802}
mport=${BENCH_MONGO_PORT:-47217}
kport=${BENCH_KAFKA_PORT:-49292}
cport=${BENCH_KAFKA_CONTROLLER_PORT:-49293}
storage="$root/storage/bench/dashboard"
mkdir -p "$storage"
stack=(--storage "$storage" --kafka-port "$kport" --kafka-controller-port "$cport"
  --mongo-port "$mport")
uri="mongodb://localhost:$mport"
say() { printf '[bench] %s\n' "$*"; }

serve_pid=
stop_serve() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
  fi
  serve_pid=
}
cleanup() {
  stop_serve
  ./jbang stack down "${stack[@]}" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Sizes as (users, items, windows): 2 users per item, 100 windows.
split() { local n=$1; local per=$(( n / 100 )); echo "$(( per * 2 / 3 )) $(( per / 3 )) 100"; }

stack_up() { # stack_up SERVER: a fresh stack with that Mongo server
  ./jbang stack down "${stack[@]}" >/dev/null 2>&1 || true
  rm -rf "$storage/mongo"
  ./jbang stack up "${stack[@]}" --mongo-backend "$1" >"$storage/stack.log" 2>&1 \
    || { tail -5 "$storage/stack.log"; exit 1; }
}

seed() { # seed DB SIZE
  read -r users items windows < <(split "$2")
  timeout 30m ./jbang bench/dashboardseed.java "$uri" "$1" "$users" "$items" "$windows" \
    2>/dev/null | tail -1
}

start_serve() { # start_serve DB: serve in the background, waits for its URL to answer
  # A slow round is measured, not restarted.
  MONGO_URI="$uri" MONGO_DB="$1" NOTEBOOKS_SKIP_BUILD=${skip_build:-0} \
    DASHBOARD_ROUND_TIMEOUT=${BENCH_ROUND_TIMEOUT:-30m} \
    bash scripts/notebooks.sh serve --port "$port" >"$storage/serve.log" 2>&1 &
  serve_pid=$!
  skip_build=1
  local started=$SECONDS
  until curl -sf -o /dev/null "http://127.0.0.1:$port/static/dashboard/index.html"; do
    kill -0 "$serve_pid" 2>/dev/null || { tail -5 "$storage/serve.log"; exit 1; }
    [ $(( SECONDS - started )) -lt 300 ] || { say "serve did not answer in 300s"; exit 1; }
    sleep 0.2
  done
}

status() { cat "$root/storage/jupyter/serve-$port/files/status.json" 2>/dev/null || true; }
field() { sed -n "s/.*\"$1\": \([0-9a-z\"]*\).*/\1/p"; }

round_times() { # round_times N: roundMs of the next N rounds after the first (20 min at most)
  local seen=0 last="" times=()
  local deadline=$(( SECONDS + 20 * 60 ))
  while [ ${#times[@]} -lt "$1" ] && [ $SECONDS -lt $deadline ]; do
    local s v
    s=$(status)
    v=$(printf '%s' "$s" | field version)
    if [ "$(printf '%s' "$s" | field state)" = '"ok"' ] && [ "$v" != "$last" ]; then
      last=$v
      seen=$(( seen + 1 ))
      [ $seen -gt 1 ] && times+=("$(printf '%s' "$s" | field roundMs)")
    fi
    sleep 0.5
  done
  printf '%s\n' "${times[*]:-none}"
}

say "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr);" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')"
first=${sizes%%,*}

# 1. Pages.
if [ "$pages" = 1 ]; then
  stack_up memory
  say "seeding $first documents: $(seed pages "$first")"
  start_serve pages
  spid=$(cat "$root/storage/jupyter/serve-$port/serve.lock")
  say "cold, 1 page ($(load)):"
  ./jbang bench/dashboardprobe.java "http://127.0.0.1:$port/static/dashboard/index.html" 1 20 \
    "$spid" 2>/dev/null | sed 's/^/[bench]   /'
  say "warm, 10 pages ($(load)):"
  ./jbang bench/dashboardprobe.java "http://127.0.0.1:$port/static/dashboard/index.html" 10 20 \
    "$spid" 2>/dev/null | sed 's/^/[bench]   /'
  stop_serve
fi

# 2. Refresh time per size and server.
IFS=, read -r -a server_list <<<"$servers"
IFS=, read -r -a size_list <<<"$sizes"
for server in "${server_list[@]}"; do
  stack_up "$server"
  for size in "${size_list[@]}"; do
    db="refresh_$size"
    say "$server, $size documents: $(seed "$db" "$size")"
    start_serve "$db"
    say "$server, $size documents: refresh rounds (ms) $(round_times "$rounds") ($(load))"
    say "  the last round: $(status | field roundMs) ms = kernel $(status | field kernelMs)" \
      "+ export $(status | field exportMs)"
    stop_serve
  done
done

# 3. Voilà.
if [ "$voila" = 1 ]; then
  stack_up memory
  say "seeding $first documents: $(seed pages "$first")"
  vvenv="$root/storage/bench/voila-venv"
  if [ ! -x "$vvenv/bin/voila" ]; then
    python3 -m venv "$vvenv"
    "$vvenv/bin/pip" install -q --disable-pip-version-check -r "$root/bench/voila-requirements.txt"
  fi
  bash scripts/notebooks.sh setup >/dev/null 2>&1
  cp="$root/lib-src/target/classes;$(cat "$root/storage/jupyter/classpath.txt")"
  JUPYTER_PATH="$root/storage/jupyter/venv/share/jupyter" \
  JUPYTER_CONFIG_DIR="$storage/voila/config" JUPYTER_DATA_DIR="$storage/voila/data" \
  JUPYTER_RUNTIME_DIR="$storage/voila/runtime" RJK_CLASSPATH="$cp" MONGO_URI="$uri" \
  MONGO_DB=pages DASHBOARD_LIVE_ROUNDS=0 \
    "$vvenv/bin/voila" "$root/notebooks/dashboard.ipynb" --port="$vport" --no-browser \
    --Voila.ip=127.0.0.1 >"$storage/voila.log" 2>&1 &
  vpid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$vport/"; do sleep 0.2; done
  rss() { ps -o rss= --ppid "$vpid" \
      | awk '{s+=$1; n++} END {printf "%d kernels %.0f MB", n, s/1024}'
    printf ' + Voilà %s MB\n' "$(ps -o rss= -p "$vpid" | awk '{printf "%.0f", $1/1024}')"; }
  say "Voilà, 1 page in Chromium ($(load)):"
  ./jbang bench/dashboardprobe.java "http://127.0.0.1:$vport/" 1 5 "$vpid" 120 2>/dev/null \
    | sed 's/^/[bench]   /'
  for i in $(seq 10); do curl -s -o /dev/null -m 60 "http://127.0.0.1:$vport/"; done
  sleep 10
  say "Voilà, 10 page views: $(rss) ($(load))"
  kill -TERM "$vpid"
  wait "$vpid" 2>/dev/null || true
fi
say "done"
