#!/usr/bin/env bash
# Benchmark of scripts/cleanup.java on a checkpoint tree of about 100k files.
#
#   bench/cleanup-bench.sh [files]      (default 100000)
#
# Builds a Spark-shaped checkpoint (offsets/ and commits/ with Hadoop .crc siblings, and an
# HDFS-backed state store with deltas and periodic snapshots), then times, on identical copies:
#   1. `cleanup` dry run (scan + plan, JVM start included),
#   2. `cleanup --apply` (scan + plan + delete),
#   3. the peer: `xargs rm -f` of exactly the file list cleanup deleted (the floor for deleting
#      those files from a shell, with no planning at all).
# and prints the ratio apply / peer.
set -Eeuo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
files=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/tree/interactions" "$files" <<'PY'
import os, sys
base, total = sys.argv[1], int(sys.argv[2])
# 4 files per batch in offsets/commits (+crc) and 4 per state version over 2 partitions
batches = total // 8
def w(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    d, n = os.path.split(path)
    with open(os.path.join(d, "." + n + ".crc"), "w") as f:
        f.write("crc")
w(f"{base}/metadata", '{"id":"bench"}')
w(f"{base}/sources/0/0", "v1")
for b in range(batches):
    w(f"{base}/offsets/{b}", "v1\n{}\n" + "x" * 400)
    w(f"{base}/commits/{b}", "v1\n{}")
for p in range(2):
    for v in range(1, batches + 1):
        w(f"{base}/state/0/{p}/{v}.delta", "d" * 200)
        if v % 10 == 0:
            w(f"{base}/state/0/{p}/{v}.snapshot", "s" * 2000)
PY
count=$(find "$work/tree" -type f | wc -l)
echo "tree: $count files, $(du -sh "$work/tree" | cut -f1)"

cp -r "$work/tree" "$work/a"
cp -r "$work/tree" "$work/b"
cd "$root"
./jbang build scripts/cleanup.java >/dev/null 2>&1 || true

t() { local s e; s=$(date +%s%N); "$@" >"$work/out" 2>&1; e=$(date +%s%N);
  echo $(( (e - s) / 1000000 )); }
dry=$(t ./jbang cleanup --checkpoint-base "$work/a" --quiet)
grep -E "Dry run|files" "$work/out" | tail -1
./jbang cleanup --checkpoint-base "$work/a" --list >"$work/list" 2>&1
grep -E '^    [^…]' "$work/list" | sed "s|^    |$work/b/interactions/|" >"$work/paths"
apply=$(t ./jbang cleanup --checkpoint-base "$work/a" --apply --quiet)
grep -E "Freed" "$work/out"
peer=$(t sh -c "xargs rm -f < '$work/paths'")
echo "deleted by the peer: $(wc -l <"$work/paths") files"
python3 - "$dry" "$apply" "$peer" <<'PY'
import sys
dry, apply, peer = (int(x) / 1000 for x in sys.argv[1:])
print(f"cleanup dry run: {dry:.2f} s\ncleanup --apply: {apply:.2f} s\npeer xargs rm:   {peer:.2f} s")
print(f"ratio apply/peer: {apply / peer:.2f} (lower is better; cleanup's time includes the JVM start)")
PY
