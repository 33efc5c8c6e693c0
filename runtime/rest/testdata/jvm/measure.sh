#!/usr/bin/env bash
# Measures a standalone worker's start-up time and resident memory: JVM
# Kafka Connect 4.4, and beside it another worker program if one is given.
# See README.md.
#
# Usage (from anywhere in the repo):
#   runtime/rest/testdata/jvm/measure.sh [-n RUNS] [-s SETTLE_SECONDS] [-e] [KCONNECT_BINARY]
#
# KCONNECT_BINARY is started as "KCONNECT_BINARY standalone worker.properties"
# with the same worker.properties as the JVM; with -e, without
# bootstrap.servers and the offsets file, so that it runs its embedded
# broker. Each run starts a worker, times launch to GET /health answering
# 200, waits SETTLE seconds and reads its RSS (idle, no connectors), creates
# a FileStreamSource reading a 10,000-line file, times POST /connectors to
# its status showing it and its task RUNNING (polled every 10 ms), waits
# SETTLE seconds more, reads the RSS again, and stops the worker by its pid.
# The runs of the two workers alternate, so both meet the same machine load.
#
# Uses the broker at KCONNECT_KAFKA_BROKERS, or starts one with
# .ci/kafka-start. The source writes to the topic kconnect-measure, which
# the worker creates (topic.creation.default.*) on the first run.
set -euo pipefail

runs=3
settle=5
embedded=""
while getopts "n:s:e" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) settle=$OPTARG ;;
    e) embedded=1 ;;
    *) echo "usage: $0 [-n RUNS] [-s SETTLE_SECONDS] [-e] [KCONNECT_BINARY]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
other=${1-}
if [[ -n $other ]]; then
  [[ -x $other ]] || { echo "$0: $other is not an executable file" >&2; exit 2; }
  other=$(cd "$(dirname "$other")" && pwd)/$(basename "$other")
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
work=$(mktemp -d)
# shellcheck source=worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
trap worker_cleanup EXIT

jvm_jars
need_broker
seq 1 10000 | sed 's/^/line /' >"$work/in.txt"

rss_mib() {
  awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$worker_pid/status"
}

now_ms() { date +%s%3N; }

# source_running waits until the connector "measure" and its one task run:
# two RUNNING states in its status, as both workers write it (no spaces).
source_running() {
  local deadline=$((SECONDS + 120))
  until [[ $(curl -sf "$worker_url/connectors/measure/status" | grep -o '"state":"RUNNING"' | wc -l) -eq 2 ]]; do
    kill -0 "$worker_pid" 2>/dev/null || die "worker $worker_pid exited"
    ((SECONDS < deadline)) || die "connector measure not running within 120s"
    sleep 0.01
  done
}

# one_run NAME RUN: starts a worker (NAME jvm or kconnect), measures it,
# stops it, and appends "NAME RUN ready_ms idle_mib source_mib create_ms"
# to results.
one_run() {
  local name=$1 run=$2 d="$work/$1-$2" t0 t1 t2 t3 idle src
  worker_config "$d"
  if [[ $name == kconnect && -n $embedded ]]; then
    sed -i '/^bootstrap.servers=/d; /^offset.storage.file.filename=/d' "$d/worker.properties"
  fi
  t0=$(now_ms)
  if [[ $name == jvm ]]; then
    jvm_start "$d"
  else
    cmd_start "$d" "$other"
  fi
  worker_wait_ready
  t1=$(now_ms)
  sleep "$settle"
  idle=$(rss_mib)
  t2=$(now_ms)
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' "$worker_url/connectors" --data \
    '{"name":"measure","config":{"connector.class":"FileStreamSource","tasks.max":"1","file":"'"$work/in.txt"'","topic":"kconnect-measure","topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1"}}' ||
    die "creating the FileStreamSource failed"
  source_running
  t3=$(now_ms)
  sleep "$settle"
  src=$(rss_mib)
  worker_stop
  echo "$name $run $((t1 - t0)) $idle $src $((t3 - t2))" >>"$work/results"
  echo "measure.sh: $name run $run: ready in $((t1 - t0)) ms, RSS $idle MiB idle, $src MiB with one source, created to RUNNING in $((t3 - t2)) ms" >&2
}

for run in $(seq 1 "$runs"); do
  one_run jvm "$run"
  if [[ -n $other ]]; then
    one_run kconnect "$run"
  fi
done

python3 - "$work/results" "$(java -version 2>&1 | head -n 1)" "$(nproc)" "${other##*/}" "$embedded" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"\n{sys.argv[3]} cores; JVM: {sys.argv[2]}, -Xms256M -Xmx2G (connect-standalone.sh's defaults)\n")
print("| worker | runs | start to REST ready (ms), median [min–max] | RSS idle (MiB), median [min–max] | RSS with one FileStreamSource (MiB), median [min–max] | POST /connectors to RUNNING (ms), median [min–max] |")
print("|---|---:|---:|---:|---:|---:|")
where = ", embedded broker" if sys.argv[5] else ""
names = {"jvm": "JVM Kafka Connect 4.4 standalone", "kconnect": f"{sys.argv[4]} standalone{where}"}
for name in ("jvm", "kconnect"):
    rs = [r for r in rows if r[0] == name]
    if not rs:
        continue
    cols = []
    for i in (2, 3, 4, 5):
        v = [int(r[i]) for r in rs]
        cols.append(f"{statistics.median(v):.0f} [{min(v)}–{max(v)}]")
    print(f"| {names[name]} | {len(rs)} | " + " | ".join(cols) + " |")
PY
