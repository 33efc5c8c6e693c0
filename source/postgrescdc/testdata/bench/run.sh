#!/usr/bin/env bash
# Streams the same PostgreSQL workload through Debezium's PostgreSQL
# connector 3.6.1.Final in JVM Kafka Connect 4.4 standalone and through
# kconnect's (cmd/kconnect standalone, built from this checkout), one after
# the other, and prints per run: change events/s, end-to-end lag, the
# worker's CPU seconds per event and its RSS. See README.md.
#
# Usage (from anywhere in the repo):
#   source/postgrescdc/testdata/bench/run.sh
#
# Settings (environment):
#   BENCH_ROWS     row changes per run, even (default 1000000): BENCH_ROWS/2
#                  inserts, then as many updates of the same rows
#   BENCH_BATCH    rows per transaction (default 1000)
#   BENCH_RUNS     Debezium/kconnect pairs (default 1); the pairs alternate
#                  which connector goes first
#   BENCH_ONLY     "debezium" or "kconnect" to run one side only
#   BENCH_TIMEOUT  seconds a run may take to get every event into Kafka
#                  (default 3600)
#   BENCH_SAMPLE   one record in BENCH_SAMPLE is read back for the lag
#                  (default 100)
#   BENCH_WORK     scratch directory (default: a new temporary one, kept:
#                  worker logs and results.jsonl)
#
# Needs KCONNECT_POSTGRES_URL (wal_level=logical; the user may create
# databases, publications and replication slots), go, java/javac/jar 17+,
# mvn, psql, curl, python3; uses the broker at KCONNECT_KAFKA_BROKERS or
# starts one. Each run has its own database, slot, publication and topic
# prefix, all dropped at the end of the run and on exit.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/../../../.." && pwd)
rows=${BENCH_ROWS:-1000000}
batch=${BENCH_BATCH:-1000}
runs=${BENCH_RUNS:-1}
only=${BENCH_ONLY-}
timeout=${BENCH_TIMEOUT:-3600}
work=${BENCH_WORK:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
# shellcheck source=../debezium/plugin.sh
source "$root/source/postgrescdc/testdata/debezium/plugin.sh"

((rows > 0 && rows % 2 == 0)) || die "BENCH_ROWS=$rows: want a positive even number"
export TZ=UTC PGTZ=UTC
[[ -n ${KCONNECT_POSTGRES_URL-} ]] || die "KCONNECT_POSTGRES_URL is not set (postgres://user[:password]@host:port/db)"
for c in go javac psql curl python3; do
  command -v "$c" >/dev/null || die "$c not found on PATH"
done
admin_url=$KCONNECT_POSTGRES_URL
read -r pg_host pg_port pg_user pg_password < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(p.hostname or "127.0.0.1", p.port or 5432, u.unquote(p.username or "postgres"), u.unquote(p.password or "") or "-")
' "$admin_url")
db_url() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$admin_url" "$1"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At "$admin_url" "$@"; }

run_id=$$
current_db="" current_slot="" current_prefix=""
drop_run() {
  if [[ -n $current_prefix && -n ${brokers-} ]]; then
    "$work/benchkafka" delete "$brokers" "$current_prefix" || true
  fi
  if [[ -n $current_slot ]]; then
    psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$current_slot'" >/dev/null 2>&1 || true
  fi
  if [[ -n $current_db ]]; then
    psql_admin -c "DROP DATABASE IF EXISTS $current_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  current_db="" current_slot="" current_prefix=""
}
cleanup() {
  [[ -n ${measure_pid-} ]] && kill "$measure_pid" 2>/dev/null
  worker_cleanup
  drop_run
}
trap cleanup EXIT

jvm_jars
debezium_plugin
need_broker
(cd "$root" && go build -o "$work/kconnect" ./cmd/kconnect && go build -o "$work/benchkafka" ./source/postgrescdc/testdata/bench/benchkafka) ||
  die "building cmd/kconnect or benchkafka failed"
commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- . || commit="$commit+changes"

inserts=$((rows / 2))
updates=$((rows - inserts))
# Ten columns of the common kinds; the inserts, then updates of three
# columns of every row, each in transactions of $batch rows.
cat >"$work/schema.sql" <<'SQL'
CREATE TABLE bench (
  id bigint PRIMARY KEY,
  qty integer NOT NULL,
  total bigint,
  name text,
  code varchar(64),
  price numeric(12,2),
  ratio double precision,
  active boolean,
  created timestamptz,
  day date
);
SQL
cat >"$work/workload.sql" <<SQL
DO \$\$
DECLARE lo bigint := 1;
BEGIN
  WHILE lo <= $inserts LOOP
    INSERT INTO bench
    SELECT g, (g % 100000)::int, g * 7, 'row ' || g, md5(g::text), (g % 100000) / 100.0, g / 3.0,
           g % 2 = 0, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', date '2026-01-01' + (g % 1000)::int
    FROM generate_series(lo, least(lo + $batch - 1, $inserts)) g;
    COMMIT;
    lo := lo + $batch;
  END LOOP;
  lo := 1;
  WHILE lo <= $updates LOOP
    UPDATE bench SET qty = qty + 1, name = name || ' u', created = created + interval '1 day'
    WHERE id BETWEEN lo AND least(lo + $batch - 1, $updates);
    COMMIT;
    lo := lo + $batch;
  END LOOP;
END \$\$;
SQL

# bench_run NAME I streams the workload through connector NAME (debezium or
# kconnect), run I, and appends its figures to $work/results.jsonl.
bench_run() {
  local name=$1 i=$2 d=$work/$1-$2 config status
  current_db=kcbench_${run_id}_${name}_$i
  current_slot=kcbench_${run_id}_${name}_$i
  current_prefix=kcbench_${run_id}_${name}_$i
  local publication=kcbench_pub_${run_id}_${name}_$i topic=$current_prefix.public.bench
  mkdir -p "$d"
  psql_admin -c "CREATE DATABASE $current_db" -c "ALTER DATABASE $current_db SET timezone TO 'UTC'" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 "$(db_url "$current_db")" -f "$work/schema.sql" || die "creating the table failed"
  # Made here, so both workers write into the same kind of topic whatever
  # the broker's auto-creation.
  "$work/benchkafka" create "$brokers" "$topic" || die "creating $topic failed"

  worker_config "$d/worker"
  if [[ $name == debezium ]]; then
    echo "plugin.path=$plugin_path" >>"$d/worker/worker.properties"
    jvm_start "$d/worker"
  else
    cmd_start "$d/worker" "$work/kconnect"
  fi
  echo "run.sh: $name $i: worker pid $worker_pid on $worker_url, logs in $d/worker"
  worker_wait_ready

  config=$(python3 -c '
import json, sys
host, port, user, password, db, prefix, slot, publication = sys.argv[1:]
c = {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "tasks.max": "1",
    "database.hostname": host,
    "database.port": port,
    "database.user": user,
    "database.dbname": db,
    "topic.prefix": prefix,
    "plugin.name": "pgoutput",
    "slot.name": slot,
    "publication.name": publication,
    "publication.autocreate.mode": "all_tables",
    # Streaming only: the table is empty when the connector starts.
    "snapshot.mode": "no_data",
}
if password != "-":
    c["database.password"] = password
print(json.dumps(c))
' "$pg_host" "$pg_port" "$pg_user" "$pg_password" "$current_db" "$current_prefix" "$current_slot" "$publication")
  curl -sf -o "$d/create.json" -X PUT -H 'Content-Type: application/json' \
    --data "$config" "$worker_url/connectors/bench/config" || die "creating the connector failed"

  # The slot is active once the task streams from it: changes written from
  # then on are all streamed events.
  local deadline=$((SECONDS + 180))
  until [[ $(psql_admin -c "SELECT active FROM pg_replication_slots WHERE slot_name = '$current_slot'") == t ]]; do
    if curl -sf "$worker_url/connectors/bench/status" | grep -q FAILED; then
      curl -s "$worker_url/connectors/bench/status" >&2
      die "the connector failed"
    fi
    ((SECONDS < deadline)) || die "slot $current_slot not active within 180 s"
    sleep 0.5
  done
  # Debezium's task marks itself streaming a moment after the slot turns
  # active; let both settle so no change is written before they stream.
  sleep 2

  rm -f "$d/ready" "$d/start"
  "$work/benchkafka" measure "$brokers" "$topic" "$rows" "$worker_pid" "$d" "$timeout" >"$d/result.json" &
  measure_pid=$!
  until [[ -f $d/ready ]]; do
    kill -0 "$measure_pid" 2>/dev/null || die "benchkafka measure exited early"
    sleep 0.1
  done
  date +%s%3N >"$d/start"
  psql -X -q -v ON_ERROR_STOP=1 "$(db_url "$current_db")" -f "$work/workload.sql" || die "the workload failed"
  echo "run.sh: $name $i: workload written in $(($(date +%s%3N) - $(cat "$d/start"))) ms"
  status=0
  wait "$measure_pid" || status=$?
  measure_pid=""
  ((status == 0)) || {
    curl -s "$worker_url/connectors/bench/status" >&2
    die "measuring $name $i failed"
  }
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["connector"], r["run"] = sys.argv[2], int(sys.argv[3])
print(json.dumps(r))
' "$d/result.json" "$name" "$i" >>"$work/results.jsonl"
  worker_stop
  drop_run
}

for ((i = 1; i <= runs; i++)); do
  if ((i % 2 == 1)); then order="debezium kconnect"; else order="kconnect debezium"; fi
  for name in $order; do
    [[ -z $only || $only == "$name" ]] || continue
    bench_run "$name" "$i"
  done
done

echo
echo "run.sh: $rows row changes per run ($inserts inserts, then $updates updates; $batch rows per transaction), commit $commit, results in $work/results.jsonl"
python3 "$bench_dir/report.py" "$work/results.jsonl"
