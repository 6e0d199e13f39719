#!/usr/bin/env bash
# The Java notebooks: open them in Jupyter, or render the dashboard headless to HTML.
#
#   scripts/notebooks.sh open                  Jupyter on http://127.0.0.1:$NOTEBOOKS_PORT (8888)
#   scripts/notebooks.sh render [NOTEBOOK]     executes it headless (default:
#                                              notebooks/dashboard.ipynb), writes
#                                              storage/reports/<name>.html
#   scripts/notebooks.sh classpath             prints the notebooks' classpath (';'-separated)
#   scripts/notebooks.sh setup                 only installs Jupyter and the kernel
#
# Every command first runs scripts/jupyter-setup.sh (idempotent: a venv, pinned Jupyter and
# rapaio-jupyter-kernel under storage/jupyter) and builds the notebooks' classpath: lib-src's
# classes and its runtime dependencies, with the optional ones (driver, Tablesaw, XChart),
# handed to the kernel in RJK_CLASSPATH (IJAVA_CLASSPATH/JJAVA_CLASSPATH for those kernels).
#
# The notebooks read their parameters from the environment: MONGO_URI, MONGO_DB,
# DASHBOARD_TOP_USERS, DASHBOARD_TOP_ITEMS, DASHBOARD_REFRESH_SECONDS (2-30),
# DASHBOARD_SHOW_RAW, DASHBOARD_LIVE_ROUNDS (render sets 0 unless given).
# Other environment: REPORTS_DIR (storage/reports), NOTEBOOKS_PORT (8888),
# NOTEBOOKS_SKIP_BUILD=1 (reuse the last classpath), RENDER_START_ATTEMPTS (5),
# RENDER_STARTUP_TIMEOUT (20 s per attempt), RENDER_CELL_TIMEOUT (300 s).
#
# render exits 0 when every cell ran (cells that find no data or no server say so and still
# succeed), 1 when a cell failed (the HTML is written anyway), 3 when the kernel did not start.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[notebooks] %s\n' "$*" >&2; }
die() { printf '[notebooks] error: %s\n' "$*" >&2; exit "${2:-1}"; }
usage() { # usage [EXIT]: the header; on stdout for --help (exit 0), else on stderr (exit 2)
  if [ "${1:-2}" = 0 ]; then
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
  fi
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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
      --startup-timeout "${RENDER_STARTUP_TIMEOUT:-20}" \
      --cell-timeout "${RENDER_CELL_TIMEOUT:-300}"
    ;;
  -h|--help|help)
    usage 0
    ;;
  *)
    say "unknown command: $cmd"
    usage
    ;;
esac
