"""Strips outputs and execution counts from a notebook: the git "clean_ipynb" filter (see
.gitattributes; scripts/jupyter-setup.sh configures it) and a manual tool.

    python3 notebooks/strip_outputs.py < in.ipynb > out.ipynb     (filter: stdin to stdout)
    python3 notebooks/strip_outputs.py FILE.ipynb...              (in place)
    python3 notebooks/strip_outputs.py --check FILE.ipynb...      (exit 1 if any has outputs)

Standard library only, so the filter works without the project's venv. Cell ids, sources, tags
and notebook metadata are kept; the JSON layout is Jupyter's (indent 1, sorted keys).
"""

import json
import sys


def strip(nb):
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata", {})
        for key in ("execution", "collapsed", "scrolled"):
            meta.pop(key, None)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def has_outputs(nb):
    return any(c.get("outputs") or c.get("execution_count") is not None
               for c in nb.get("cells", []) if c.get("cell_type") == "code")


def dumps(nb):
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    if not argv:
        sys.stdout.write(dumps(strip(json.load(sys.stdin))))
        return 0
    if argv[0] == "--check":
        dirty = []
        for path in argv[1:]:
            with open(path, encoding="utf-8") as f:
                if has_outputs(json.load(f)):
                    dirty.append(path)
        for path in dirty:
            print(f"{path}: has outputs (run python3 notebooks/strip_outputs.py {path})",
                  file=sys.stderr)
        return 1 if dirty else 0
    for path in argv:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps(strip(nb)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
