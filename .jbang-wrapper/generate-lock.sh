#!/usr/bin/env bash
# Regenerates the lock file of the ./jbang wrapper: every jar of the runtime dependency closure
# of dev.jbang:jbang-cli with its SHA-256.
#
# Versions are resolved as Gradle (JBang's own build) resolves them: the highest version of
# each artifact seen anywhere in the graph wins. Maven's nearest-wins rule would pick gson
# 2.10.1 (declared in jbang-cli's pom), with which JBang silently reads every jbang-catalog.json
# as empty; its dependencies ask for 2.13.1.
#
# Usage: .jbang-wrapper/generate-lock.sh [VERSION]     (default: the version ../jbang pins)
# Needs Maven (mvn), sort -V and sha256sum. Writes .jbang-wrapper/jbang-cli-VERSION.lock.
set -Eeuo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${1:-$(sed -n 's/^jbang_version="\(.*\)"$/\1/p' "$here/../jbang")}"
if [[ -z "$version" ]]; then
  echo "generate-lock: cannot read the JBang version from ../jbang; pass it as argument" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# write_pom PINS_FILE: a pom depending on jbang-cli, with "group:artifact:version" pins.
write_pom() {
  {
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0">'
    echo '  <modelVersion>4.0.0</modelVersion>'
    echo '  <groupId>local</groupId><artifactId>jbang-wrapper-lock</artifactId>'
    echo '  <version>1</version>'
    echo '  <dependencyManagement><dependencies>'
    while IFS=':' read -r g a v; do
      echo "    <dependency><groupId>$g</groupId><artifactId>$a</artifactId>"
      echo "      <version>$v</version></dependency>"
    done <"$1"
    echo '  </dependencies></dependencyManagement>'
    echo '  <dependencies><dependency><groupId>dev.jbang</groupId>'
    echo "    <artifactId>jbang-cli</artifactId><version>$version</version>"
    echo '  </dependency></dependencies>'
    echo '</project>'
  } >"$work/pom.xml"
}

: >"$work/pins"
for round in 1 2 3 4 5; do
  write_pom "$work/pins"
  mvn -q -f "$work/pom.xml" dependency:tree -Dverbose -DoutputFile="$work/tree.txt" >/dev/null
  # Every group:artifact:jar:version in the graph, kept or omitted; the highest per artifact.
  grep -oE '[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:jar:[A-Za-z0-9_.-]+' "$work/tree.txt" \
    | awk -F: '{print $1":"$2":"$4}' | sort -u | sort -t: -k1,1 -k2,2 -k3,3V \
    | awk -F: '{last[$1":"$2]=$0} END {for (k in last) print last[k]}' | sort >"$work/pins.new"
  if cmp -s "$work/pins" "$work/pins.new"; then
    break
  fi
  mv "$work/pins.new" "$work/pins"
  if ((round == 5)); then
    echo "generate-lock: versions did not settle after 5 rounds" >&2
    exit 1
  fi
done

mvn -q -f "$work/pom.xml" dependency:list -DincludeScope=runtime \
  -DoutputAbsoluteArtifactFilename=true -DoutputFile="$work/deps.txt" >/dev/null

lock="$here/jbang-cli-$version.lock"
{
  echo "# Runtime dependency closure of dev.jbang:jbang-cli:$version (highest version wins),"
  echo "# one jar a line: group:artifact:version sha256. Made by .jbang-wrapper/generate-lock.sh."
  # Lines look like: group:artifact:jar:version:scope:/abs/path.jar
  grep -E '^ +[^ ]+:jar:' "$work/deps.txt" | sed 's/^ *//' | while IFS= read -r line; do
    IFS=':' read -r group artifact type rest <<<"$line"
    IFS=':' read -r -a parts <<<"$rest"
    if [[ "$type" != jar || ${#parts[@]} != 3 ]]; then
      echo "generate-lock: unexpected line (classifier?): $line" >&2
      exit 1
    fi
    echo "$group:$artifact:${parts[0]} $(sha256sum "${parts[2]}" | cut -d' ' -f1)"
  done | sort
} >"$lock.tmp"
mv "$lock.tmp" "$lock"
echo "Wrote $lock ($(grep -vc '^#' "$lock") jars)"
