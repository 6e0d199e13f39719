#!/usr/bin/env bash
# Installs the project-local Jupyter with a Java kernel, everything under storage/jupyter/
# (git-ignored); nothing goes into $HOME. Idempotent: a second run only checks what is there.
#
#   scripts/jupyter-setup.sh
#
# What it does:
#   1. a Python venv in storage/jupyter/venv with the pinned packages of notebooks/requirements.txt
#      (reinstalled only when that file changes);
#   2. rapaio-jupyter-kernel (RJK_VERSION, default 3.0.1) from Maven Central, by Maven;
#   3. its kernelspec "rapaio-jupyter-kernel" inside the venv (venv/share/jupyter/kernels), so
#      only this venv's Jupyter sees it;
#   4. the git filter "clean_ipynb" named by .gitattributes (strips notebook outputs on `git add`),
#      in this clone's .git/config, when run inside a git work tree.
# The notebooks' classpath (lib-src and its runtime dependencies) is prepared per run by
# scripts/notebooks.sh and handed to the kernel in RJK_CLASSPATH.
#
# Environment: PYTHON (python3), RJK_VERSION (3.0.1), JUPYTER_HOME (storage/jupyter),
# KERNEL_JAVA (the java that runs the kernel; default: java on PATH), KERNEL_XMX (1g).
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[jupyter-setup] %s\n' "$*"; }
die() { printf '[jupyter-setup] error: %s\n' "$*" >&2; exit 1; }

python=${PYTHON:-python3}
rjk_version=${RJK_VERSION:-3.0.1}
home=${JUPYTER_HOME:-$root/storage/jupyter}
venv="$home/venv"
requirements="$root/notebooks/requirements.txt"
kernel_name="rapaio-jupyter-kernel"
started=$(date +%s)

command -v "$python" >/dev/null 2>&1 || die "$python not found: install Python 3.9 or newer"
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven 3.8 or newer"
java_bin=${KERNEL_JAVA:-$(command -v java || true)}
[ -n "$java_bin" ] && [ -x "$java_bin" ] || die "java not found: install a JDK 17 or newer"
mkdir -p "$home" 2>/dev/null && [ -w "$home" ] || die "cannot write to $home"

# Jupyter writes into $HOME unless told otherwise.
export JUPYTER_CONFIG_DIR="$home/config"
export JUPYTER_DATA_DIR="$home/data"
export JUPYTER_RUNTIME_DIR="$home/runtime"
export IPYTHONDIR="$home/ipython"
export JUPYTER_PLATFORM_DIRS=1
mkdir -p "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$IPYTHONDIR"

# 1. venv and pinned packages.
if [ ! -x "$venv/bin/python" ]; then
  say "creating the venv $venv"
  "$python" -m venv "$venv" || die "cannot create a venv with $python (python3-venv missing?)"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing the pinned Jupyter packages (notebooks/requirements.txt); takes a minute or two"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements"
  printf '%s\n' "$want" > "$stamp"
else
  say "Jupyter packages already installed ($(cut -c1-12 "$stamp"))"
fi

# 2. The kernel jar from Maven Central.
kernel_dir="$venv/share/jupyter/kernels/$kernel_name"
jar="$kernel_dir/rapaio-jupyter-kernel-$rjk_version.jar"
mkdir -p "$kernel_dir"
if [ ! -s "$jar" ]; then
  say "downloading io.github.padreati:rapaio-jupyter-kernel:$rjk_version from Maven Central"
  mvnlog="$home/kernel-download.log"
  if ! mvn -q -B -ntp -Dstyle.color=never dependency:copy \
    "-Dartifact=io.github.padreati:rapaio-jupyter-kernel:$rjk_version" \
    "-DoutputDirectory=$kernel_dir" >"$mvnlog" 2>&1; then
    cat "$mvnlog" >&2
    die "cannot download rapaio-jupyter-kernel $rjk_version (log: $mvnlog)"
  fi
  find "$kernel_dir" -name 'rapaio-jupyter-kernel-*.jar' ! -name "$(basename "$jar")" -delete
else
  say "kernel jar present: $jar"
fi

# 3. The kernelspec. RJK_CLASSPATH is deliberately not set here: the kernel inherits it from the
# environment of the Jupyter server (scripts/notebooks.sh), since kernelspec values would win.
# -Djava.awt.headless: XChart renders to images without a display.
mkdir -p "$home/mima_cache"
# rapaio renders every value as text/html by default: the notebooks' text views (KPIs, tables)
# are preformatted plain text, as IJava shows them. Images still render as PNG.
init_script="$home/kernel-init.jshell"
printf '%s%s\n' 'org.rapaio.jupyter.kernel.global.Global.options().display()' \
  '.defaultMime("text/plain");' > "$init_script"
"$venv/bin/python" - "$kernel_dir/kernel.json" "$java_bin" "$jar" "$rjk_version" \
  "${KERNEL_XMX:-1g}" "$home/mima_cache" "$init_script" <<'PY'
import json, sys
path, java, jar, version, xmx, mima, init = sys.argv[1:]
spec = {
    "argv": [java, "-Djava.awt.headless=true", "-Xmx" + xmx, "-jar", jar, "{connection_file}"],
    "display_name": "Java (rjk " + version + ")",
    "language": "java",
    "interrupt_mode": "message",
    "env": {
        "RJK_COMPILER_OPTIONS": "",
        "RJK_INIT_SCRIPT": init,
        "RJK_TIMEOUT_MILLIS": "-1",
        "RJK_MIMA_CACHE": mima,
    },
}
text = json.dumps(spec, indent=2) + "\n"
try:
    old = open(path).read()
except FileNotFoundError:
    old = None
if old != text:
    open(path, "w").write(text)
PY
"$venv/bin/jupyter" kernelspec list 2>/dev/null | grep -q "$kernel_name" \
  || die "the kernelspec $kernel_name is not visible to $venv/bin/jupyter"
say "kernelspec $kernel_name installed in $kernel_dir"

# 4. The git filter that strips outputs (see .gitattributes), for this clone only.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" config filter.clean_ipynb.clean "python3 notebooks/strip_outputs.py"
  git -C "$root" config filter.clean_ipynb.smudge cat
  say "git filter clean_ipynb configured (outputs are stripped on git add)"
fi

say "ready in $(( $(date +%s) - started )) s: scripts/notebooks.sh open | render"
