#!/usr/bin/env bash
# Runs every test: builds jemu, fetches the guest material (tests that need it skip, visibly, if the
# package archive cannot be reached), cross-compiles the guest test programs, runs the JUnit suite.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
bash scripts/fetch-guests.sh || echo "WARNING: guest material could not be fetched; the tests that need it will be skipped"
mvn -B -q -DskipTests package
exec mvn -B verify "$@"
