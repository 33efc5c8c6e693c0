#!/usr/bin/env bash
# Records JVM Kafka Connect 4.4's REST answers to internal/restgolden's
# scenario into runtime/rest/testdata/jvm-4.4/responses.json. See README.md.
#
# Usage (from anywhere in the repo): runtime/rest/testdata/jvm/record.sh [--check] [WORKDIR]
#
# With --check it records nothing: it runs the scenario again and compares
# the answers with the committed golden (restrecord -check), which shows
# whether the golden is still what the JVM answers, and that a second run
# differs from the first only where the scenario says answers differ by
# nature.
#
# Uses the broker at KCONNECT_KAFKA_BROKERS, or starts one with
# .ci/kafka-start (and stops it afterwards).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
mode=record
if [[ ${1-} == --check ]]; then
  mode=check
  shift
fi
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
trap worker_cleanup EXIT

jvm_jars
need_broker
(cd "$root" && go build -o "$work/restrecord" ./internal/tools/restrecord) || die "building restrecord failed"

worker_config "$work/worker"
jvm_start "$work/worker"
echo "record.sh: ConnectStandalone pid $worker_pid on $worker_url, log $work/worker/connect.log"
worker_wait_ready

out=$root/runtime/rest/testdata/jvm-4.4/responses.json
mkdir -p "$(dirname "$out")"
if [[ $mode == check ]]; then
  "$work/restrecord" -url "$worker_url" -brokers "$brokers" -check "$out"
  exit
fi
"$work/restrecord" -url "$worker_url" -brokers "$brokers" -out "$out" \
  -source "Apache Kafka Connect 4.4.0 standalone (connect-runtime, connect-json, connect-transforms 4.4.0; connect-file 4.3.1), $(java -version 2>&1 | head -n 1)"
