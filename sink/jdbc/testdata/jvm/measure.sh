#!/usr/bin/env bash
# Measures Debezium's JDBC sink connector in JVM Kafka Connect 4.4 and,
# beside it, kconnect's JdbcSinkConnector in another worker program if one
# is given: both standalone, reading the same topic into PostgreSQL. See
# README.md.
#
# Usage (from anywhere in the repo):
#   sink/jdbc/testdata/jvm/measure.sh [-n RUNS] [-r ROWS] [-m "insert upsert"] [KCONNECT_BINARY]
#
# The topic (KCONNECT_BENCH_JDBC_TOPIC, else kconnect-bench-jdbc-ROWS) is
# filled by BenchmarkKafkaToJDBC's own code unless it holds its ROWS
# records already, and kept, so that the Go benchmark and later runs read
# the very same records. Each run starts a worker with the worker
# properties of runtime/rest/testdata/jvm/worker.sh (JsonConverter with
# schemas), makes a new table in a schema of the script's own, times POST
# /connectors to the table holding every row (counted every 0.5 s),
# samples the worker's RSS meanwhile and reads its VmHWM at the end, then
# stops the worker by its pid and drops the table. The two workers' runs
# alternate, so both meet the same machine load.
#
# Needs KCONNECT_POSTGRES_URL (a postgres:// URL, as CI sets it) and psql;
# uses the broker at KCONNECT_KAFKA_BROKERS or starts one.
set -euo pipefail

runs=3
rows=1000000
modes="insert upsert"
while getopts "n:r:m:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    r) rows=$OPTARG ;;
    m) modes=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-r ROWS] [-m MODES] [KCONNECT_BINARY]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
other=${1-}
if [[ -n $other ]]; then
  [[ -x $other ]] || { echo "$0: $other is not an executable file" >&2; exit 2; }
  other=$(cd "$(dirname "$other")" && pwd)/$(basename "$other")
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
jdbc_here=$root/sink/jdbc/testdata/jvm # worker.sh sets here to its own
work=$(mktemp -d)
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"

pg=${KCONNECT_POSTGRES_URL-}
[[ -n $pg ]] || die "KCONNECT_POSTGRES_URL is not set"
psql_bin=$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)
[[ -x $psql_bin ]] || die "psql not found"
sql() { "$psql_bin" "$pg" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
schema=kcbench_$$
cleanup() {
  worker_cleanup
  sql "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The JDBC URL of the same server and database, the schema as its
# currentSchema; and the user.
read -r jdbc_url pg_user < <(python3 - "$pg" "$schema" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(f"jdbc:postgresql://{u.hostname}:{u.port or 5432}{u.path}?currentSchema={sys.argv[2]}", u.username or "postgres")
PY
)

# dbz_plugin sets plugin_root, a plugin.path holding Debezium's JDBC sink,
# and standin, the Sanitizer stand-in's classes, both cached as worker.sh
# caches the worker's jars.
dbz_plugin() {
  local cache key dir
  cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
  key=$(cat "$jdbc_here/pom.xml" "$jdbc_here/settings.xml" "$jdbc_here/Sanitizer.java" | sha256sum | cut -c1-16)
  dir=$cache/debezium-jdbc-$key
  mkdir -p "$cache"
  exec 8>"$cache/.fetch.lock"
  flock 8
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir"
    mkdir -p "$dir/plugins/debezium-connector-jdbc" "$dir/standin"
    mvn -B -q -Dstyle.color=never -s "$jdbc_here/settings.xml" -f "$jdbc_here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$dir/plugins/debezium-connector-jdbc" >"$work/mvn.log" 2>&1 ||
      { tail -n 30 "$work/mvn.log" >&2; die "could not fetch Debezium's JDBC sink (see above)"; }
    javac -nowarn -d "$dir/standin" -cp "$jvm_cp" "$jdbc_here/Sanitizer.java" || die "compiling the Sanitizer stand-in failed"
    touch "$dir/.complete"
  fi
  flock -u 8
  exec 8>&-
  plugin_root=$dir/plugins
  standin=$dir/standin
}

jvm_jars
need_broker
dbz_plugin
topic=${KCONNECT_BENCH_JDBC_TOPIC:-kconnect-bench-jdbc-$rows}
echo "measure.sh: topic $topic, $rows records" >&2
(cd "$root" && KCONNECT_KAFKA_BROKERS=$brokers KCONNECT_BENCH_ROWS=$rows KCONNECT_BENCH_JDBC_TOPIC=$topic \
  go test -run XXX -bench 'BenchmarkKafkaToJDBC/fill-only' -benchtime 1x ./sink/jdbc >"$work/fill.log" 2>&1) ||
  { cat "$work/fill.log" >&2; die "filling $topic failed"; }
sql "CREATE SCHEMA $schema" >/dev/null

now_ms() { date +%s%3N; }
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$worker_pid/status" 2>/dev/null || echo 0; }

# one_run NAME MODE RUN: NAME jvm (Debezium) or kconnect; appends
# "NAME MODE RUN ms rows/s peak_rss_mib" to results.
one_run() {
  local name=$1 mode=$2 run=$3 d="$work/$1-$2-$3" table="t_$1_$2_$3" key="" config t0 t1 n peak=0 rss hwm
  worker_config "$d"
  [[ $mode == upsert ]] && key=", PRIMARY KEY (id)"
  sql "CREATE TABLE $schema.$table (id BIGINT NOT NULL, name TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL$key)" >/dev/null
  if [[ $name == jvm ]]; then
    echo "plugin.path=$plugin_root" >>"$d/worker.properties"
    jvm_cp="$standin:$jvm_cp" jvm_start "$d"
    config='"connector.class":"io.debezium.connector.jdbc.JdbcSinkConnector","connection.username":"'$pg_user'","collection.name.format":"'$schema.$table'"'
    if [[ $mode == upsert ]]; then
      config+=',"insert.mode":"upsert","primary.key.mode":"record_value","primary.key.fields":"id"'
    else
      config+=',"insert.mode":"insert","primary.key.mode":"none"'
    fi
  else
    cmd_start "$d" "$other"
    config='"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector","connection.user":"'$pg_user'","table.name.format":"'$table'"'
    if [[ $mode == upsert ]]; then
      config+=',"insert.mode":"upsert","pk.mode":"record_value","pk.fields":"id"'
    fi
  fi
  worker_wait_ready
  t0=$(now_ms)
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' "$worker_url/connectors" --data \
    '{"name":"bench-'"$name-$mode-$run-$$"'","config":{'"$config"',"tasks.max":"1","topics":"'"$topic"'","connection.url":"'"$jdbc_url"'"}}' ||
    die "creating the connector failed"
  local deadline=$((SECONDS + 1800))
  while :; do
    n=$(sql "SELECT count(*) FROM $schema.$table")
    rss=$(status_kb VmRSS)
    ((rss > peak)) && peak=$rss
    [[ $n -ge $rows ]] && break
    kill -0 "$worker_pid" 2>/dev/null || die "worker $worker_pid exited"
    if curl -sf "$worker_url/connectors/bench-$name-$mode-$run-$$/status" | grep -q '"state":"FAILED"'; then
      curl -s "$worker_url/connectors/bench-$name-$mode-$run-$$/status" >&2
      die "the $name connector failed"
    fi
    ((SECONDS < deadline)) || die "$n of $rows rows after 1800 s"
    sleep 0.5
  done
  t1=$(now_ms)
  hwm=$(status_kb VmHWM)
  ((hwm > peak)) && peak=$hwm
  worker_stop
  [[ $n -eq $rows ]] || die "$table holds $n rows, want $rows"
  sql "DROP TABLE $schema.$table" >/dev/null
  echo "$name $mode $run $((t1 - t0)) $((rows * 1000 / (t1 - t0))) $((peak / 1024))" >>"$work/results"
  echo "measure.sh: $name $mode run $run: $rows rows in $((t1 - t0)) ms, $((rows * 1000 / (t1 - t0))) rows/s, peak RSS $((peak / 1024)) MiB (load $(cut -d' ' -f1 /proc/loadavg))" >&2
}

for run in $(seq 1 "$runs"); do
  for mode in $modes; do
    one_run jvm "$mode" "$run"
    if [[ -n $other ]]; then
      one_run kconnect "$mode" "$run"
    fi
  done
done

python3 - "$work/results" "$(java -version 2>&1 | head -n 1)" "$(nproc)" "$rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"\n{sys.argv[3]} cores; JVM: {sys.argv[2]}, -Xms256M -Xmx2G; {int(sys.argv[4]):,} records into PostgreSQL\n")
print("| worker | mode | runs | rows/s, median [min–max] | peak RSS (MiB), median [min–max] | ratio to Debezium, median of runs [min–max] |")
print("|---|---|---:|---:|---:|---:|")
names = {"jvm": "JVM Kafka Connect 4.4, Debezium JDBC sink", "kconnect": "kconnect, JdbcSinkConnector"}
for mode in ("insert", "upsert"):
    base = {r[2]: int(r[4]) for r in rows if r[0] == "jvm" and r[1] == mode}
    for name in ("jvm", "kconnect"):
        rs = [r for r in rows if r[0] == name and r[1] == mode]
        if not rs:
            continue
        rate = [int(r[4]) for r in rs]
        rss = [int(r[5]) for r in rs]
        ratio = [int(r[4]) / base[r[2]] for r in rs if r[2] in base]
        rcol = f"{statistics.median(ratio):.2f} [{min(ratio):.2f}–{max(ratio):.2f}]" if ratio else ""
        print(f"| {names[name]} | {mode} | {len(rs)} | {statistics.median(rate):.0f} [{min(rate)}–{max(rate)}] | "
              f"{statistics.median(rss):.0f} [{min(rss)}–{max(rss)}] | {rcol} |")
PY
