#!/usr/bin/env bash
# Runs the official MongoDB sink connector (org.mongodb.kafka:mongo-kafka-connect
# 1.13.0) in JVM Kafka Connect 4.4 standalone and kconnect's worker program
# (cmd/kconnect standalone) side by side: the same records (cases.json, one
# topic and one connector a case, JsonConverter with and without schemas),
# the same connector properties, the same mongo-java-server, one database
# each. Then it dumps both databases (canonical Extended JSON, generated ids
# and timestamps replaced, see dumpCase in ../../official_test.go) and
# compares them collection by collection.
#
# Usage (from anywhere in the repo):
#   sink/mongodb/testdata/official/compare.sh [--check] [WORKDIR]
#
# Without --check it also writes the official connector's documents here as
# <case>.jsonl, the goldens TestOfficialGoldens compares kconnect's with
# (no JVM needed there). With --check it leaves the goldens alone and also
# compares the official connector's documents with them.
#
# Needs java, javac, jar, mvn, curl, python3 and go; uses the broker at
# KCONNECT_KAFKA_BROKERS or starts one, and starts its own mongo-java-server
# (.ci/mongo-start) in WORKDIR/mongo. Every process it starts is stopped by
# pid at exit.
set -euo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$dir/../../../.." && pwd)
mode=record
if [[ ${1-} == --check ]]; then
  mode=check
  shift
fi
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
# shellcheck source=common.sh
source "$dir/common.sh"
for c in javac jar curl python3 go; do
  command -v "$c" >/dev/null || die "$c not found on PATH"
done
cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
mkdir -p "$cache"

cleanup() {
  worker_cleanup
  [[ -n ${prefix-} ]] && tool delete "$brokers" "$prefix"
  "$root/.ci/mongo-stop" "$work/mongo" >&2 || true
}
trap cleanup EXIT

jvm_jars
mongo_plugin
need_broker
(cd "$root" && .ci/mongo-start "$work/mongo") || die "starting mongo-java-server failed"
# shellcheck disable=SC1091
source "$work/mongo/mongo.env"
uri=$KCONNECT_MONGODB_URI
go build -o "$work/bin/kconnect" "$root/cmd/kconnect" || die "building cmd/kconnect failed"

prefix=mongocmp$(date +%s)_$$.
tool produce "$brokers" "$prefix"
mapfile -t cases < <(python3 -c 'import json,sys; [print(c["name"]) for c in json.load(open(sys.argv[1]))]' "$dir/cases.json")

# run SIDE starts SIDE's worker (official: the JVM, kconnect: cmd/kconnect),
# creates every case's connector with database SIDE, waits until the
# documents stop changing, dumps them into $work/SIDE/dump and stops it.
run() {
  local side=$1 d=$work/$1 stable=0 prev="" cur c code deadline
  mkdir -p "$d/config" "$d/dump"
  worker_config "$d/worker"
  echo "plugin.path=$plugin_path" >>"$d/worker/worker.properties"
  if [[ $side == official ]]; then
    jvm_cp="$standin:$jvm_cp" jvm_start "$d/worker"
  else
    cmd_start "$d/worker" "$work/bin/kconnect"
  fi
  echo "compare.sh: $side: worker pid $worker_pid on $worker_url, log $worker_log"
  worker_wait_ready
  tool config "$uri" "$side" "$prefix" "$d/config"
  for c in "${cases[@]}"; do
    code=$(curl -s -o "$d/config/$c.response" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
      --data @"$d/config/$c.json" "$worker_url/connectors/$side-$c/config") || code=000
    [[ $code == 2?? ]] || die "$side: creating the connector for $c failed ($code): $(cat "$d/config/$c.response")"
  done
  # Every case's records are few and every case leaves a document; they
  # are complete once none is empty, three dumps two seconds apart agree
  # and no task failed.
  deadline=$((SECONDS + 180))
  while ((stable < 3)); do
    sleep 2
    for c in "${cases[@]}"; do
      if curl -sf "$worker_url/connectors/$side-$c/status" | grep -q FAILED; then
        curl -s "$worker_url/connectors/$side-$c/status" >&2
        die "$side: the connector for $c failed"
      fi
    done
    tool dump "$uri" "$side" "$d/dump" "$prefix"
    cur=$(cat "$d/dump"/*.jsonl | sha256sum)
    if [[ $cur == "$prev" ]] && ! grep -L . "$d/dump"/*.jsonl | grep -q .; then
      stable=$((stable + 1))
    else
      stable=0
    fi
    prev=$cur
    ((SECONDS < deadline)) || die "$side: the documents did not settle within 180 s"
  done
  worker_stop
}

run official
run kconnect

status=0
for c in "${cases[@]}"; do
  if ! diff -u "$work/official/dump/$c.jsonl" "$work/kconnect/dump/$c.jsonl" >"$work/$c.diff"; then
    echo "compare.sh: $c: kconnect's documents differ from the official connector's:" >&2
    cat "$work/$c.diff" >&2
    status=1
  fi
  if [[ $mode == check ]]; then
    if ! diff -u "$dir/$c.jsonl" "$work/official/dump/$c.jsonl" >"$work/$c.golden.diff"; then
      echo "compare.sh: $c: the official connector's documents differ from the golden:" >&2
      cat "$work/$c.golden.diff" >&2
      status=1
    fi
  else
    cp "$work/official/dump/$c.jsonl" "$dir/$c.jsonl"
  fi
done
((status == 0)) && echo "compare.sh: all ${#cases[@]} cases: kconnect's documents are the official connector's"
[[ $mode == record ]] && echo "compare.sh: wrote the official connector's documents to $dir/*.jsonl"
exit $status
