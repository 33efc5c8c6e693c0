#!/usr/bin/env bash
# Records the config and status topics a JVM Kafka Connect 4.4 distributed
# worker writes through a fixed scenario, into config.jsonl and
# status.jsonl beside this script. See README.md.
#
# Usage (from anywhere in the repo): internal/jvmgolden/testdata/distributed/record.sh [WORKDIR]
#
# Uses the broker at KCONNECT_KAFKA_BROKERS, or starts one with
# .ci/kafka-start (and stops it afterwards). The broker must allow
# transactions with one replica (.ci/kafka-start's do).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
dest=$root/internal/jvmgolden/testdata/distributed
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# The REST goldens' helpers: the jars, a broker, stopping the worker.
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
trap worker_cleanup EXIT

jvm_jars
need_broker
(cd "$root" && go build -o "$work/dump" ./internal/jvmgolden/testdata/distributed/dump) || die "building dump failed"

run=golden-$(date +%s)-$$
d=$work/worker
mkdir -p "$d"
worker_port=$(free_port)
worker_url=http://127.0.0.1:$worker_port
cat >"$d/worker.properties" <<PROPS
# config/connect-distributed.properties, on a free loopback port, with
# topics of one replica and exactly-once source support, so that the
# leader writes the config topic transactionally and fences tasks.
bootstrap.servers=$brokers
group.id=$run
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.topic=$run-offsets
offset.storage.replication.factor=1
config.storage.topic=$run-configs
config.storage.replication.factor=1
status.storage.topic=$run-status
status.storage.replication.factor=1
offset.flush.interval.ms=1000
exactly.once.source.support=enabled
listeners=http://127.0.0.1:$worker_port
PROPS
cat >"$d/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $d/connect.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %X{connector.context}%m (%c:%L)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
PROPS
worker_log=$d/stdout.log
java -Xms256M -Xmx1G -Djava.awt.headless=true -Dlog4j2.configurationFile="$d/log4j2.properties" \
  -cp "$jvm_cp" org.apache.kafka.connect.cli.ConnectDistributed "$d/worker.properties" \
  </dev/null >"$worker_log" 2>&1 &
worker_pid=$!
echo "record.sh: ConnectDistributed pid $worker_pid on $worker_url, log $d/connect.log"
worker_wait_ready

# rest METHOD PATH [BODY] sends a request and fails on an error status.
rest() {
  local code
  code=$(curl -s -o "$work/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$worker_url$2")
  [[ $code == 2* ]] || die "$1 $2: HTTP $code: $(cat "$work/body")"
}

# wait_state NAME STATE waits until the connector and, with a third
# argument, that many tasks report STATE.
wait_state() {
  local deadline=$((SECONDS + 60)) want=${3:-0}
  until curl -s "$worker_url/connectors/$1/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ok = s["connector"]["state"] == sys.argv[1] and sum(t["state"] == sys.argv[1] for t in s.get("tasks", [])) >= int(sys.argv[2])
sys.exit(0 if ok else 1)' "$2" "$want" 2>/dev/null; do
    ((SECONDS < deadline)) || die "connector $1 not $2 within 60s"
    sleep 0.2
  done
}

printf 'a\nb\n' >"$work/in.txt"
# The source creates its topics (the broker may not create them).
tc='"topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1"'

# A source with one task; its configuration changes once, which writes a
# second set of task configurations and fences the first.
rest POST /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$work/in.txt\",\"topic\":\"$run-lines\",\"tasks.max\":\"1\",$tc}}"
wait_state src RUNNING 1
rest PUT /connectors/src/config "{\"connector.class\":\"FileStreamSource\",\"file\":\"$work/in.txt\",\"topic\":\"$run-lines2\",\"tasks.max\":\"1\",\"batch.size\":\"100\",$tc}"
wait_state src RUNNING 1
rest PUT /connectors/src/pause
wait_state src PAUSED 1
rest PUT /connectors/src/stop
wait_state src STOPPED
rest PUT /connectors/src/resume
wait_state src RUNNING 1
rest POST '/connectors/src/restart?includeTasks=true&onlyFailed=false'
wait_state src RUNNING 1
# A sink with two tasks and a name with dashes and a non-ASCII letter.
rest POST /connectors "{\"name\":\"my-sink-é\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$work/out.txt\",\"topics\":\"$run-lines\",\"tasks.max\":\"2\"}}"
wait_state my-sink-é RUNNING 2
# Both lines through the sink: the active topics are recorded (KIP-558).
deadline=$((SECONDS + 60))
until [[ $(wc -l <"$work/out.txt" 2>/dev/null || echo 0) -ge 2 ]]; do
  ((SECONDS < deadline)) || die "the sink wrote no lines within 60s"
  sleep 0.2
done
# A connector created stopped (its target state is written before it),
# then deleted.
rest POST /connectors "{\"name\":\"gone\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$work/gone.txt\",\"topics\":\"$run-lines\"},\"initial_state\":\"STOPPED\"}"
wait_state gone STOPPED
rest DELETE /connectors/gone
rest PUT '/admin/loggers/org.apache.kafka.connect.file?scope=cluster' '{"level":"DEBUG"}'
sleep 2 # the last status records and the topic tracking ones
worker_stop

"$work/dump" -brokers "$brokers" -topic "$run-configs" -out "$dest/config.jsonl"
"$work/dump" -brokers "$brokers" -topic "$run-status" -out "$dest/status.jsonl"
echo "group=$run worker_id=127.0.0.1:$worker_port" >"$dest/run.txt"
echo "record.sh: wrote $dest/config.jsonl and status.jsonl"
