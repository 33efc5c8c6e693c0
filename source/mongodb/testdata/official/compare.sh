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
# cluster times normalized. Then it runs kconnect's worker program
# (cmd/kconnect standalone) on the same inputs, a database and topics of its
# own, and compares its records with the official connector's (all but the
# partition and offset, which only the JVM's transform exposes).
# TestOfficialSourceGoldens runs kconnect's task on the same inputs and
# compares all of its records' parts with the goldens (no JVM needed there).
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
strip='import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    r.pop("partition"), r.pop("offset")
    print(json.dumps(r, sort_keys=True))'

# stool runs officialSourceTool of ../../official_test.go.
stool() {
  (cd "$root" && KCONNECT_MONGO_SOURCE_OFFICIAL_TOOL="$*" go test -count=1 -timeout 10m \
    -run '^TestOfficialSourceGoldens$' ./source/mongodb/ >"$work/stool.log" 2>&1) ||
    { tail -n 30 "$work/stool.log" >&2; die "official source tool $1 failed"; }
}

cleanup() {
  worker_cleanup
  if [[ -n $prefix ]]; then
    stool delete "$brokers" "kcsrc_${stamp}_official" "${prefix}official"
    stool delete "$brokers" "kcsrc_${stamp}_kconnect" "${prefix}kconnect"
  fi
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
mkdir -p "$work/smt"
javac -nowarn -d "$work/smt" -cp "$jvm_cp" "$sdir/src/kconnect/golden/OffsetHeaders.java" ||
  die "compiling OffsetHeaders failed"

go build -o "$work/bin/kconnect" "$root/cmd/kconnect" || die "building cmd/kconnect failed"

# Each side has a database and topic prefix of its own, seeded before
# either worker starts.
stamp=$(date +%s)_$$
prefix=srccmp${stamp}_
for side in official kconnect; do
  stool seed "$uri" "kcsrc_${stamp}_$side"
  stool topics "$brokers" "kcsrc_${stamp}_$side" "$prefix$side"
done

# run SIDE starts SIDE's worker (official: the JVM with OffsetHeaders,
# kconnect: cmd/kconnect), creates every case's connector, waits for the
# copies, makes the changes, dumps the records into $work/SIDE/out and
# stops the worker.
run() {
  local side=$1 d=$work/$1 db=kcsrc_${stamp}_$1 f c code
  mkdir -p "$d/config" "$d/out"
  stool config "$uri" "$db" "$prefix$side" "$d/config" "$side"
  worker_config "$d/worker"
  echo "plugin.path=$plugin_path" >>"$d/worker/worker.properties"
  if [[ $side == official ]]; then
    jvm_cp="$work/smt:$standin:$jvm_cp" jvm_start "$d/worker"
  else
    cmd_start "$d/worker" "$work/bin/kconnect"
  fi
  echo "compare.sh: $side: worker pid $worker_pid on $worker_url, log $worker_log"
  worker_wait_ready
  for f in "$d/config"/*.json; do
    c=$(basename "$f" .json)
    code=$(curl -s -o "$d/config/$c.response" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
      --data @"$f" "$worker_url/connectors/$side-$c/config") || code=000
    [[ $code == 2?? ]] || die "$side: creating the connector for $c failed ($code): $(cat "$d/config/$c.response")"
  done
  # The copies are done once every topic holds the seed's records; the
  # changes made after them are streamed.
  stool wait "$brokers" "$db" "$prefix$side"
  stool change "$uri" "$db"
  stool dump "$brokers" "$db" "$prefix$side" "$d/out" "$side"
  for f in "$d/config"/*.json; do
    c=$(basename "$f" .json)
    if curl -sf "$worker_url/connectors/$side-$c/status" | grep -q FAILED; then
      curl -s "$worker_url/connectors/$side-$c/status" >&2
      die "$side: the connector for $c failed"
    fi
  done
  worker_stop
}

run official
run kconnect

status=0
for f in "$work/official/out"/*.jsonl; do
  c=$(basename "$f" .jsonl)
  # The worker program's records, without the partition and offset only
  # the JVM's transform adds (TestOfficialSourceGoldens compares those).
  if ! diff -u <(python3 -c "$strip" "$f") <(python3 -c "$strip" "$work/kconnect/out/$c.jsonl") >"$work/$c.diff"; then
    echo "compare.sh: $c: kconnect's records differ from the official connector's:" >&2
    cat "$work/$c.diff" >&2
    status=1
  fi
  if [[ $mode == check ]]; then
    if ! diff -u "$sdir/$c.jsonl" "$f" >"$work/$c.golden.diff"; then
      echo "compare.sh: $c: the official connector's records differ from the golden:" >&2
      cat "$work/$c.golden.diff" >&2
      status=1
    fi
  else
    cp "$f" "$sdir/$c.jsonl"
  fi
done
((status == 0)) && echo "compare.sh: all cases: kconnect's records are the official connector's"
[[ $mode == record ]] && echo "compare.sh: wrote the official connector's records to $sdir/*.jsonl"
exit $status
