#!/usr/bin/env bash
# The project's test command (README: "Running the tests"). On a fresh machine with Java 17,
# Maven, Go and Python 3 it installs what the tests need, starts a private local stack (a real
# Kafka broker and FerretDB) on its own ports and storage, runs every test (library unit tests
# and integration tests), and stops the stack again, whatever happened.
#
#   scripts/test.sh [extra Maven arguments, e.g. -Dtest=ProducerKafkaTest]
#
# Environment: TEST_KAFKA_PORT (39092), TEST_KAFKA_CONTROLLER_PORT (39093),
# TEST_MONGO_PORT (37017), TEST_STACK_STORAGE (storage/test-stack), TEST_MONGO_BACKEND
# (ferretdb where Go is on PATH, else mongo-java-server). When KAFKA_BOOTSTRAP and
# MONGO_URI are both set, the tests use those servers and no stack is started.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[test] %s\n' "$*"; }
die() { printf '[test] error: %s\n' "$*" >&2; exit 1; }

# 1. Tools the machine must have.
command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 or newer"
java_major=$(java -XshowSettings:properties -version 2>&1 \
  | awk -F'= ' '/java.specification.version/ {print $2}')
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Java 17+ needed, found ${java_major:-none}"
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven 3.8 or newer"
# The tests run against FerretDB (built with Go), the strictest of the local servers.
if [ -z "${TEST_MONGO_BACKEND:-}" ]; then
  if command -v go >/dev/null 2>&1; then
    TEST_MONGO_BACKEND=ferretdb
  else
    TEST_MONGO_BACKEND=mongo-java-server
    say "go not found: the tests run against mongo-java-server instead of FerretDB"
  fi
fi

# 2. JBang through the wrapper (downloads it once into ~/.jbang/wrapper).
./jbang version >/dev/null

# 2b. Chromium and chromedriver for the dashboard's browser tests (Debian's, with apt-get).
bash scripts/browser-setup.sh

# 3. A private stack for the tests, unless one is given.
started_stack=()
stop_stack() {
  if [ ${#started_stack[@]} -gt 0 ]; then
    say "stopping the test stack"
    ./jbang stack down "${started_stack[@]}" || say "warning: stack down failed"
  fi
}
trap stop_stack EXIT
if [ -n "${KAFKA_BOOTSTRAP:-}" ] && [ -n "${MONGO_URI:-}" ]; then
  say "using the given servers: KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP MONGO_URI=(set)"
else
  kport=${TEST_KAFKA_PORT:-39092}
  cport=${TEST_KAFKA_CONTROLLER_PORT:-39093}
  mport=${TEST_MONGO_PORT:-37017}
  storage=${TEST_STACK_STORAGE:-$root/storage/test-stack}
  stack_args=(--storage "$storage" --kafka-port "$kport" --kafka-controller-port "$cport"
    --mongo-port "$mport")
  say "starting the test stack (storage $storage)"
  started_stack=("${stack_args[@]}")
  ./jbang stack up "${stack_args[@]}" --mongo-backend "$TEST_MONGO_BACKEND"
  export KAFKA_BOOTSTRAP="localhost:$kport"
  export MONGO_URI="mongodb://localhost:$mport"
fi
./jbang stack status ${started_stack[@]+"${started_stack[@]}"} || true

# 4. Every test: library unit tests, then the integration tests.
say "running the tests against Kafka $KAFKA_BOOTSTRAP and Mongo $MONGO_URI"
mvn -B -ntp verify "$@"
