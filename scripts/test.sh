#!/usr/bin/env bash
# Set up the host, build, and run the whole test suite (unit, integration against a real etcd,
# end-to-end against real Docker, iptables and kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_CHECKS_DISABLE=true
mvn -B -ntp install "$@"
