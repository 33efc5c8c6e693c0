#!/usr/bin/env bash
# Measures the official MongoDB sink connector (mongo-kafka-connect 1.13.0 in
# JVM Kafka Connect 4.4 standalone) and kconnect's (cmd/kconnect standalone)
# on the same input: N records of bench10's 10 fields (JsonConverter with
# schemas) in one topic, written with InsertOneDefaultStrategy and the
# default ObjectId ids into one mongo-java-server (memory backend, no oplog,
# 4 GB heap or KCONNECT_MONGO_HEAP), each worker by itself, interleaved
# official, kconnect, official, kconnect… for ROUNDS rounds. Inserts, not the default
# replace-upserts: mongo-java-server's upsert scans the collection.
#
# Usage (from anywhere in the repo):
#   sink/mongodb/testdata/official/bench.sh [N [ROUNDS [WORKDIR]]]
#
# For each run it prints: the side, documents/s from the first document
# the server held to the last (so neither worker's start-up nor its group
# join counts), the worker process's CPU seconds over the run, and its peak
# RSS (VmHWM) in MB, and the server's RSS once the run's documents are in.
# Each run's collection is dropped after it, so the server holds at most one
# run's documents. Needs what compare.sh needs.
set -euo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$dir/../../../.." && pwd)
n=${1:-200000}
rounds=${2:-2}
work=${3:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
# shellcheck source=common.sh
source "$dir/common.sh"
for c in javac curl go; do
  command -v "$c" >/dev/null || die "$c not found on PATH"
done
cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
mkdir -p "$cache"
topic=""
waiter=""

cleanup() {
  [[ -n $waiter ]] && kill "$waiter" 2>/dev/null
  worker_cleanup
  [[ -n $topic ]] && tool delete-topic "$brokers" "$topic"
  "$root/.ci/mongo-stop" "$work/mongo" >&2 || true
}
trap cleanup EXIT

jvm_jars
mongo_plugin
need_broker
(cd "$root" && KCONNECT_MONGO_HEAP=${KCONNECT_MONGO_HEAP:-4g} KCONNECT_MONGO_OPLOG=0 .ci/mongo-start "$work/mongo") || die "starting mongo-java-server failed"
# shellcheck disable=SC1091
source "$work/mongo/mongo.env"
uri=$KCONNECT_MONGODB_URI
go build -o "$work/bin/kconnect" "$root/cmd/kconnect" || die "building cmd/kconnect failed"
topic=mongobench$(date +%s)_$$
echo "bench.sh: producing $n records to $topic"
tool bench-produce "$brokers" "$topic" "$n"
tick=$(getconf CLK_TCK)

# cpu PID prints the process's user+system CPU time in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure SIDE ROUND runs one worker on the whole topic into a collection
# of its own and prints its line.
measure() {
  local side=$1 d=$work/$1-$2 coll=$1_$2 code cpu0 cpu1 rss first secs
  worker_config "$d"
  echo "plugin.path=$plugin_path" >>"$d/worker.properties"
  if [[ $side == official ]]; then
    jvm_cp="$standin:$jvm_cp" jvm_start "$d"
  else
    cmd_start "$d" "$work/bin/kconnect"
  fi
  worker_wait_ready
  cpu0=$(cpu "$worker_pid")
  (cd "$root" && KCONNECT_MONGO_OFFICIAL_TOOL="bench-wait $uri bench $coll $n $d/wait.txt" \
    go test -count=1 -timeout 0 -run '^TestOfficialGoldens$' ./sink/mongodb/ >"$d/wait.log" 2>&1) &
  waiter=$!
  until [[ -f $d/wait.txt.ready ]]; do
    kill -0 "$waiter" 2>/dev/null || { cat "$d/wait.log" >&2; die "$side: the document counter did not start"; }
    sleep 0.2
  done
  code=$(curl -s -o "$d/create.response" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data "{
    \"connector.class\": \"com.mongodb.kafka.connect.MongoSinkConnector\", \"tasks.max\": \"1\", \"topics\": \"$topic\",
    \"connection.uri\": \"$uri\", \"database\": \"bench\", \"collection\": \"$coll\",
    \"writemodel.strategy\": \"com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy\",
    \"key.converter\": \"org.apache.kafka.connect.json.JsonConverter\",
    \"value.converter\": \"org.apache.kafka.connect.json.JsonConverter\", \"value.converter.schemas.enable\": \"true\"
  }" "$worker_url/connectors/bench-$coll/config") || code=000
  [[ $code == 2?? ]] || die "$side: creating the connector failed ($code): $(cat "$d/create.response")"
  while kill -0 "$waiter" 2>/dev/null; do
    if curl -sf "$worker_url/connectors/bench-$coll/status" | grep -q FAILED; then
      curl -s "$worker_url/connectors/bench-$coll/status" >&2
      die "$side: the connector failed"
    fi
    sleep 1
  done
  wait "$waiter" || { cat "$d/wait.log" >&2; die "$side: waiting for the documents failed"; }
  waiter=""
  cpu1=$(cpu "$worker_pid")
  rss=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$worker_pid/status")
  srss=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$MONGO_PID/status")
  worker_stop
  tool drop "$uri" bench "$coll"
  read -r first secs <"$d/wait.txt"
  awk -v side="$side" -v n="$n" -v first="$first" -v secs="$secs" -v c="$((cpu1 - cpu0))" -v tick="$tick" -v rss="$rss" -v srss="$srss" \
    'BEGIN { printf "%-9s docs/s %8.0f  cpu-s %6.1f  rss-MB %5d  server-rss-MB %5d\n", side, (n - first) / secs, c / tick, rss, srss }'
}

for r in $(seq 1 "$rounds"); do
  measure official "$r"
  measure kconnect "$r"
done
