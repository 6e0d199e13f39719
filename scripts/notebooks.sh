#!/usr/bin/env bash
# The Java notebooks: serve the dashboard as a live page, open them in Jupyter, or render
# them headless to HTML.
#
#   scripts/notebooks.sh serve [FLAGS]         the dashboard as a live page on
#                                              http://127.0.0.1:8501/ (refreshes itself)
#   scripts/notebooks.sh open                  Jupyter on http://127.0.0.1:$NOTEBOOKS_PORT (8888)
#   scripts/notebooks.sh render [NOTEBOOK]     executes it headless (default:
#                                              notebooks/dashboard.ipynb), writes
#                                              storage/reports/<name>.html
#   scripts/notebooks.sh classpath             prints the notebooks' classpath (';'-separated)
#   scripts/notebooks.sh setup                 only installs Jupyter and the kernel
#
# serve flags (each with an environment default):
#   --port N          DASHBOARD_PORT (8501)
#   --ip ADDR         DASHBOARD_IP (127.0.0.1); an address that is not loopback also needs
#                     --allow-remote and JUPYTER_TOKEN or DASHBOARD_PASSWORD (never printed)
#   --refresh D       DASHBOARD_REFRESH (5s; 2s-30s): how often the kernel refreshes, and the
#                     page's default (DASHBOARD_REFRESH_SECONDS=N still works, deprecated)
#   --top-users N     DASHBOARD_TOP_USERS (10; 1-100): the page's default
#   --top-items N     DASHBOARD_TOP_ITEMS (10; 1-100): the page's default
#   --raw on|off      DASHBOARD_SHOW_RAW (on): raw tables shown by default
#   --round-timeout D DASHBOARD_ROUND_TIMEOUT (60s): a refresh longer than this restarts the
#                     kernel
# Each viewer changes refresh, top users, top items and raw tables on the page or in the URL:
# http://127.0.0.1:8501/static/dashboard/index.html?refresh=5&users=10&items=10&raw=1
#
# Every command first runs scripts/jupyter-setup.sh (idempotent: a venv, pinned Jupyter and
# rapaio-jupyter-kernel under storage/jupyter) and builds the notebooks' classpath: lib-src's
# classes and its runtime dependencies, with the optional ones (driver, Tablesaw, XChart),
# handed to the kernel in RJK_CLASSPATH (IJAVA_CLASSPATH/JJAVA_CLASSPATH for those kernels).
#
# The notebooks read their parameters from the environment: MONGO_URI, MONGO_DB,
# DASHBOARD_TOP_USERS, DASHBOARD_TOP_ITEMS, DASHBOARD_REFRESH_SECONDS (2-30),
# DASHBOARD_SHOW_RAW, DASHBOARD_LIVE_ROUNDS (open: until interrupted; render sets 0).
# Other environment: REPORTS_DIR (storage/reports), NOTEBOOKS_PORT (8888),
# NOTEBOOKS_SKIP_BUILD=1 (reuse the last classpath), RENDER_START_ATTEMPTS (5, also serve's),
# RENDER_STARTUP_TIMEOUT (20s per attempt, also serve's), RENDER_CELL_TIMEOUT (5m).
#
# Exit codes: 0 done (serve: stopped by Ctrl-C); 1 failed (render: a cell failed, the HTML is
# written anyway); 2 usage; 3 the kernel (render) or Jupyter Server (serve) did not start;
# 4 the port is taken; 130/143 a second Ctrl-C/SIGTERM.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[notebooks] %s\n' "$*" >&2; }
die() { printf '[notebooks] error: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { # usage [EXIT]: the header; on stdout for --help (exit 0), else on stderr (exit 2)
  if [ "${1:-2}" = 0 ]; then
    sed -n '2,49p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
  fi
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift

home="$root/storage/jupyter"
venv="$home/venv"
export JUPYTER_CONFIG_DIR="$home/config"
export JUPYTER_DATA_DIR="$home/data"
export JUPYTER_RUNTIME_DIR="$home/runtime"
export IPYTHONDIR="$home/ipython"
export JUPYTER_PLATFORM_DIRS=1

setup() {
  bash "$root/scripts/jupyter-setup.sh" >&2
}

# lib-src's classes plus its runtime dependency jars, ';'-separated as rapaio reads RJK_CLASSPATH.
classpath() {
  local cpfile="$home/classpath.txt"
  if [ "${NOTEBOOKS_SKIP_BUILD:-0}" != "1" ] || [ ! -s "$cpfile" ]; then
    say "building lib-src and its classpath"
    local mvnlog="$home/classpath-build.log"
    if ! mvn -q -B -ntp -Dstyle.color=never -f "$root/lib-src/pom.xml" compile \
      dependency:build-classpath "-Dmdep.outputFile=$cpfile" "-Dmdep.pathSeparator=;" \
      -Dmdep.includeScope=runtime >"$mvnlog" 2>&1; then
      cat "$mvnlog" >&2
      die "building lib-src failed (log: $mvnlog)"
    fi
  fi
  printf '%s;%s\n' "$root/lib-src/target/classes" "$(cat "$cpfile")"
}

export_classpath() {
  local cp
  cp=$(classpath)
  export RJK_CLASSPATH="$cp"
  export IJAVA_CLASSPATH="${cp//;/:}"
  export JJAVA_CLASSPATH="${cp//;/:}"
}

case "$cmd" in
  setup)
    setup
    ;;
  classpath)
    setup
    classpath
    ;;
  open)
    [ $# -eq 0 ] || die "open takes no arguments (got: $*)" 2
    setup
    export_classpath
    port=${NOTEBOOKS_PORT:-8888}
    say "Jupyter on http://127.0.0.1:$port (kernel: Java (rjk)); stop it with Ctrl-C"
    extra=()
    # Jupyter refuses to run as root unless told (containers, CI machines).
    if [ "$(id -u)" -eq 0 ]; then
      extra+=(--allow-root)
    fi
    exec "$venv/bin/jupyter" notebook --no-browser --ip=127.0.0.1 --port="$port" \
      --ServerApp.root_dir="$root/notebooks" ${extra[@]+"${extra[@]}"}
    ;;
  render)
    [ $# -le 1 ] || die "render takes at most one notebook (got: $*)" 2
    notebook=${1:-$root/notebooks/dashboard.ipynb}
    [ -f "$notebook" ] || die "no such notebook: $notebook" 2
    name=$(basename "$notebook" .ipynb)
    reports=${REPORTS_DIR:-$root/storage/reports}
    mkdir -p "$reports" 2>/dev/null && [ -w "$reports" ] || die "cannot write to $reports"
    setup
    export_classpath
    export DASHBOARD_LIVE_ROUNDS="${DASHBOARD_LIVE_ROUNDS:-0}"
    say "rendering $notebook to $reports/$name.html"
    exec "$venv/bin/python" "$root/notebooks/run_notebook.py" "$notebook" \
      --output "$reports/$name.html" --executed "$reports/$name.ipynb" \
      --start-attempts "${RENDER_START_ATTEMPTS:-5}" \
      --startup-timeout "${RENDER_STARTUP_TIMEOUT:-20s}" \
      --cell-timeout "${RENDER_CELL_TIMEOUT:-5m}"
    ;;
  serve)
    port=${DASHBOARD_PORT:-8501}
    ip=${DASHBOARD_IP:-127.0.0.1}
    if [ -n "${DASHBOARD_REFRESH:-}" ]; then
      refresh=$DASHBOARD_REFRESH
    elif [ -n "${DASHBOARD_REFRESH_SECONDS:-}" ]; then
      refresh="${DASHBOARD_REFRESH_SECONDS}s"
    else
      refresh=5s
    fi
    top_users=${DASHBOARD_TOP_USERS:-10}
    top_items=${DASHBOARD_TOP_ITEMS:-10}
    raw=${DASHBOARD_SHOW_RAW:-on}
    round_timeout=${DASHBOARD_ROUND_TIMEOUT:-60s}
    allow_remote=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --port|--ip|--refresh|--top-users|--top-items|--raw|--round-timeout)
          [ $# -ge 2 ] || die "$1 needs a value" 2
          case "$1" in
            --port) port=$2 ;;
            --ip) ip=$2 ;;
            --refresh) refresh=$2 ;;
            --top-users) top_users=$2 ;;
            --top-items) top_items=$2 ;;
            --raw) raw=$2 ;;
            --round-timeout) round_timeout=$2 ;;
          esac
          shift 2
          ;;
        --allow-remote) allow_remote=(--allow-remote); shift ;;
        -h|--help) usage 0 ;;
        *) die "serve: unknown flag $1 (scripts/notebooks.sh --help lists them)" 2 ;;
      esac
    done
    for pair in "--port:$port" "--top-users:$top_users" "--top-items:$top_items"; do
      case "${pair#*:}" in
        ''|*[!0-9]*) die "${pair%%:*} must be a whole number (got ${pair#*:})" 2 ;;
      esac
    done
    setup
    export_classpath
    state="$home/serve-$port"
    exec "$venv/bin/python" "$root/notebooks/serve_dashboard.py" \
      "$root/notebooks/dashboard.ipynb" --state "$state" --ip "$ip" --port "$port" \
      --refresh "$refresh" --top-users "$top_users" --top-items "$top_items" --raw "$raw" \
      --round-timeout "$round_timeout" --start-attempts "${RENDER_START_ATTEMPTS:-5}" \
      --startup-timeout "${RENDER_STARTUP_TIMEOUT:-20s}" ${allow_remote[@]+"${allow_remote[@]}"}
    ;;
  -h|--help|help)
    usage 0
    ;;
  *)
    say "unknown command: $cmd"
    usage
    ;;
esac
