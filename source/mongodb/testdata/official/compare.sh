#!/usr/bin/env bash
# Runs the official MongoDB source connector (org.mongodb.kafka:
# mongo-kafka-connect 1.13.0) in JVM Kafka Connect 4.4 standalone on the
# inputs of ../../official_test.go (sourceCases: one collection, topic and
# connector a case; each collection seeded, copied with
# startup.mode=copy_existing, then given an insert, an update, a replace and
# a delete while streaming) and records what it wrote to Kafka: each
# record's topic, key, value and headers, and its source partition and
# offset (added as headers by the OffsetHeaders transform in src/, compiled
# here), with the database, topic prefix, server address, resume tokens and
# cluster times normalized. TestOfficialSourceGoldens runs kconnect's
# source on the same inputs and compares its records with these (no JVM
# needed there).
#
# Usage (from anywhere in the repo):
#   source/mongodb/testdata/official/compare.sh [--check] [WORKDIR]
#
# Without --check it writes the official connector's records here as
# <case>.jsonl; with --check it compares them with those files instead.
#
# Needs java, javac, mvn, curl, python3 and go; uses the broker at
# KCONNECT_KAFKA_BROKERS or starts one, and starts its own mongo-java-server
# (.ci/mongo-start, with the oplog: change streams) in WORKDIR/mongo. It
# shares the connector's jars and the SystemTime stand-in with the sink's
# sink/mongodb/testdata/official/compare.sh. Every process it starts is
# stopped by pid at exit.
set -euo pipefail

# Not "here": worker.sh has that.
sdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$sdir/../../../.." && pwd)
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
# common.sh's mongo_plugin reads the stand-in's source under $dir.
dir=$root/sink/mongodb/testdata/official
# shellcheck source=../../../../sink/mongodb/testdata/official/common.sh
source "$dir/common.sh"
for c in javac curl python3 go; do
  command -v "$c" >/dev/null || die "$c not found on PATH"
done
cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
mkdir -p "$cache"
prefix=""

# stool runs officialSourceTool of ../../official_test.go.
stool() {
  (cd "$root" && KCONNECT_MONGO_SOURCE_OFFICIAL_TOOL="$*" go test -count=1 -timeout 10m \
    -run '^TestOfficialSourceGoldens$' ./source/mongodb/ >"$work/stool.log" 2>&1) ||
    { tail -n 30 "$work/stool.log" >&2; die "official source tool $1 failed"; }
}

cleanup() {
  worker_cleanup
  [[ -n $prefix ]] && stool delete "$brokers" "$db" "$prefix"
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
mkdir -p "$work/smt" "$work/config" "$work/out"
javac -nowarn -d "$work/smt" -cp "$jvm_cp" "$sdir/src/kconnect/golden/OffsetHeaders.java" ||
  die "compiling OffsetHeaders failed"

db=kcsrc_$(date +%s)_$$
stool seed "$uri" "$db"
prefix=srccmp$(date +%s)_$$
stool topics "$brokers" "$db" "$prefix"
stool config "$uri" "$db" "$prefix" "$work/config"

d=$work/official
worker_config "$d"
echo "plugin.path=$plugin_path" >>"$d/worker.properties"
# Frequent flushes: a record's offset is in its headers either way, but the
# worker's log then shows the committed ones too.
sed -i 's/^offset.flush.interval.ms=.*/offset.flush.interval.ms=1000/' "$d/worker.properties"
jvm_cp="$work/smt:$standin:$jvm_cp" jvm_start "$d"
echo "compare.sh: official worker pid $worker_pid on $worker_url, log $worker_log"
worker_wait_ready
for f in "$work/config"/*.json; do
  c=$(basename "$f" .json)
  code=$(curl -s -o "$work/config/$c.response" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data @"$f" "$worker_url/connectors/official-$c/config") || code=000
  [[ $code == 2?? ]] || die "creating the connector for $c failed ($code): $(cat "$work/config/$c.response")"
done
# The copies are done once every topic holds the seed's records; the
# changes made after them are streamed.
stool wait "$brokers" "$db" "$prefix"
stool change "$uri" "$db"
stool dump "$brokers" "$db" "$prefix" "$work/out"
for f in "$work/config"/*.json; do
  c=$(basename "$f" .json)
  if curl -sf "$worker_url/connectors/official-$c/status" | grep -q FAILED; then
    curl -s "$worker_url/connectors/official-$c/status" >&2
    die "the connector for $c failed"
  fi
done
worker_stop

status=0
for f in "$work/out"/*.jsonl; do
  c=$(basename "$f" .jsonl)
  if [[ $mode == check ]]; then
    if ! diff -u "$sdir/$c.jsonl" "$f" >"$work/$c.diff"; then
      echo "compare.sh: $c: the official connector's records differ from the golden:" >&2
      cat "$work/$c.diff" >&2
      status=1
    fi
  else
    cp "$f" "$sdir/$c.jsonl"
  fi
done
[[ $mode == record ]] && echo "compare.sh: wrote the official connector's records to $sdir/*.jsonl"
exit $status
