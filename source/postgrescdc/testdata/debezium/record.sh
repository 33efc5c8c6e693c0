#!/usr/bin/env bash
# Records what Debezium's PostgreSQL connector 3.6.1.Final, run by JVM Kafka
# Connect 4.4 standalone, writes for workload.sql: records.jsonl (every
# record, as Kafka holds it), offsets-snapshot.jsonl (the source offset
# Connect stored once the snapshot was over) and offsets.jsonl (the one it
# stored at the end). See README.md.
#
# Usage (from anywhere in the repo):
#   source/postgrescdc/testdata/debezium/record.sh [--check] [WORKDIR]
#
# It records two variants one after the other: "default" (Debezium's default
# value mapping) into this directory, "modes" (the other decimal, time,
# binary and interval handling modes, with transaction metadata) into modes/.
#
# With --check it records into WORKDIR only and compares the normalised
# output with the committed goldens (normalise.py): a second run must differ
# from the first only in the fields that differ by nature.
#
# Needs KCONNECT_POSTGRES_URL (a PostgreSQL with wal_level=logical whose user
# may create databases, publications and replication slots), java, javac,
# jar, mvn, psql, curl, python3; uses the broker at KCONNECT_KAFKA_BROKERS or
# starts one. It creates the database dbz_golden (dropped first if it exists)
# and the topics dbzgolden.* (deleted first and at the end): the names are
# part of the records, so two recordings on one server and broker take turns
# (a lock in the cache directory).
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

# Names that appear in the records (topic.prefix is every topic's first
# part, source.name and the schema names' first part; the database is
# source.db; the connector's name is in the offsets' keys).
prefix=dbzgolden
db=dbz_golden
connector=dbzgolden
# Names that do not: unique, so a run never picks up another's slot (set
# per variant by record_variant).
run=$(date +%s)_$$
slot=""

# Debezium writes zoned times in UTC whatever the zone, but the JVM's and the
# session's zone stay fixed so a run here and one elsewhere agree.
export TZ=UTC PGTZ=UTC

[[ -n ${KCONNECT_POSTGRES_URL-} ]] || die "KCONNECT_POSTGRES_URL is not set (postgres://user[:password]@host:port/db)"
for c in javac jar psql curl python3; do
  command -v "$c" >/dev/null || die "$c not found on PATH"
done
admin_url=$KCONNECT_POSTGRES_URL
# The same server and credentials, database $db.
db_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$admin_url" "$db")
read -r pg_host pg_port pg_user pg_password < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(p.hostname or "127.0.0.1", p.port or 5432, u.unquote(p.username or "postgres"), u.unquote(p.password or "") or "-")
' "$admin_url")

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At "$admin_url" "$@"; }

cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
mkdir -p "$cache"
exec 9>"$cache/.debezium-golden.lock"
flock 9

# TestDebeziumGoldens uses the same database on the same server, under a
# PostgreSQL advisory lock: a session holding it for the whole recording
# keeps the test (from any checkout) from dropping the database or the slot
# in its middle.
lock_pid=""
take_db_lock() {
  local app=kcgolden_lock_$$ deadline=$((SECONDS + 600))
  PGAPPNAME=$app psql -X -q "$admin_url" -c "SELECT pg_advisory_lock(hashtext('kconnect-debezium-golden'))" \
    -c "SELECT pg_sleep(86400)" >/dev/null 2>&1 &
  lock_pid=$!
  until [[ $(psql_admin -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '$app'") == 1 ]]; do
    kill -0 "$lock_pid" 2>/dev/null || die "the session taking the advisory lock ended"
    ((SECONDS < deadline)) || die "TestDebeziumGoldens held the advisory lock for 600 s"
    sleep 0.5
  done
}

cleanup() {
  worker_cleanup
  if [[ -n ${golden_cp-} ]]; then
    java -cp "$golden_cp" golden.Golden delete-topics "$brokers" "$prefix" || true
  fi
  if [[ -n $slot ]]; then
    psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null 2>&1 || true
  fi
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  if [[ -n $lock_pid ]]; then
    # The server would not notice a killed psql while pg_sleep runs.
    psql_admin -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kcgolden_lock_$$'" \
      >/dev/null 2>&1 || true
    kill "$lock_pid" 2>/dev/null || true
    wait "$lock_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
take_db_lock

# shellcheck source=plugin.sh
source "$dir/plugin.sh"

jvm_jars
debezium_plugin
need_broker
mkdir -p "$work/classes"
javac -nowarn -d "$work/classes" -cp "$jvm_cp" "$dir/src/golden/Golden.java" || die "compiling Golden.java failed"
golden_cp="$work/classes:$jvm_cp"
golden() { java -cp "$golden_cp" golden.Golden "$@"; }

# The variants: the connector's configuration beyond the common one (as a
# Python dict) and where their goldens go. "default" is Debezium's default
# value mapping; "modes" the other handling modes and transaction metadata.
variants=(default modes)
declare -A variant_dir=([default]=. [modes]=modes)
declare -A variant_config=(
  [default]='{
    "include.unknown.datatypes": "true",
  }'
  [modes]='{
    "include.unknown.datatypes": "true",
    "hstore.handling.mode": "map",
    "decimal.handling.mode": "string",
    "time.precision.mode": "connect",
    "binary.handling.mode": "hex",
    "interval.handling.mode": "string",
    "provide.transaction.metadata": "true",
  }'
)

awk -v out1="$work/snapshot.sql" -v out2="$work/streaming.sql" \
  '/^-- ==== streaming ====$/ { part = 2; next } { print > (part == 2 ? out2 : out1) }' "$dir/workload.sql"
[[ -s $work/streaming.sql ]] || die "workload.sql has no '-- ==== streaming ====' line"

# record_variant NAME records variant NAME into $work/NAME: records.jsonl,
# offsets-snapshot.jsonl, offsets.jsonl.
record_variant() {
  local name=$1 out=$work/$1 config deadline
  mkdir -p "$out"
  slot=kcgolden_${run}_$name
  local publication=kcgolden_pub_${run}_$name

  # A fresh database, and no topics left from an earlier run.
  psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$db' AND NOT active" >/dev/null
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" -c "ALTER DATABASE $db SET timezone TO 'UTC'" >/dev/null
  golden delete-topics "$brokers" "$prefix" || die "deleting the topics $prefix.* failed"
  psql -X -q -v ON_ERROR_STOP=1 "$db_url" -f "$work/snapshot.sql" || die "the snapshot part of workload.sql failed"

  worker_config "$out/worker"
  # A later line wins: offsets flushed each second, so the offset Debezium
  # stores once the snapshot is over shows up before the streaming part runs;
  # 15 s to stop the task, so that the producer can send what the 10,000-row
  # transaction left queued and the last offsets are committed.
  cat >>"$out/worker/worker.properties" <<PROPS
plugin.path=$plugin_path
offset.flush.interval.ms=1000
task.shutdown.graceful.timeout.ms=15000
PROPS
  jvm_start "$out/worker"
  echo "record.sh: $name: ConnectStandalone pid $worker_pid on $worker_url, log $out/worker/connect.log"
  worker_wait_ready

  config=$(python3 -c '
import ast, json, sys
host, port, user, password, db, prefix, slot, publication, extra = sys.argv[1:]
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
    "snapshot.mode": "initial",
    "tombstones.on.delete": "true",
    # Debezium skips truncates by default; record them too.
    "skipped.operations": "none",
    # The worker creates the topics (a broker may not auto-create them).
    "topic.creation.default.replication.factor": "1",
    "topic.creation.default.partitions": "1",
}
c.update(ast.literal_eval(extra))
if password != "-":
    c["database.password"] = password
print(json.dumps(c))
' "$pg_host" "$pg_port" "$pg_user" "$pg_password" "$db" "$prefix" "$slot" "$publication" "${variant_config[$name]}")
  curl -sf -o "$out/create.json" -X PUT -H 'Content-Type: application/json' \
    --data "$config" "$worker_url/connectors/$connector/config" || die "creating the connector failed"

  # The streaming part runs once the snapshot is over, so each change is a
  # streamed event and never part of the snapshot: once the offset Connect
  # stored says snapshot_completed (the slot, made before the snapshot,
  # keeps every later change). That offset is what a connector resumes from
  # after a completed snapshot.
  deadline=$((SECONDS + 180))
  until [[ -f $out/worker/connect.offsets ]] &&
    golden offsets "$out/worker/connect.offsets" "$out/offsets-snapshot.jsonl" 2>/dev/null &&
    grep -q '"snapshot_completed":true' "$out/offsets-snapshot.jsonl"; do
    if curl -sf "$worker_url/connectors/$connector/status" | grep -q FAILED; then
      curl -s "$worker_url/connectors/$connector/status" >&2
      die "the connector failed"
    fi
    ((SECONDS < deadline)) || die "no offset with snapshot_completed=true within 180 s"
    sleep 0.5
  done
  psql -X -q -v ON_ERROR_STOP=1 "$db_url" -f "$work/streaming.sql" || die "the streaming part of workload.sql failed"

  # golden_end's row is the workload's last change; stopping the worker
  # then flushes the producer and commits the final offsets.
  golden wait "$brokers" "$prefix.public.golden_end" 180 || {
    curl -s "$worker_url/connectors/$connector/status" >&2
    die "the last change did not reach Kafka"
  }
  # The offsets Connect stores (each second) stop changing once every
  # record is acknowledged: the stop then has nothing left to send, which,
  # after the 10,000-row transaction, it may not manage in its time.
  local last="" now stable=0
  deadline=$((SECONDS + 180))
  while ((stable < 5)); do
    now=$(md5sum <"$out/worker/connect.offsets")
    if [[ $now == "$last" ]]; then
      stable=$((stable + 1))
    else
      stable=0
      last=$now
    fi
    ((SECONDS < deadline)) || die "the stored offsets still change after 180 s"
    sleep 1
  done
  worker_stop
  # A task that overran its graceful stop may not have committed its last
  # offsets.
  if grep -q 'Graceful stop of task' "$out/worker/connect.log"; then
    die "the task did not stop in time (see $out/worker/connect.log): offsets.jsonl may be stale"
  fi

  golden dump "$brokers" "$prefix" "$out/records.jsonl"
  # The 10,000-row transaction's table goes to a file of its own, gzipped
  # (no name or time in the gzip header, so the bytes are the same each
  # run), so that records.jsonl stays small enough to read.
  python3 - "$out" "$prefix.public.big_tx" <<'PY'
import gzip, json, sys
out, topic = sys.argv[1:]
with open(out + "/records.jsonl", "rb") as f:
    lines = f.readlines()
big = [l for l in lines if json.loads(l)["topic"] == topic]
with open(out + "/records.jsonl", "wb") as f:
    f.writelines(l for l in lines if json.loads(l)["topic"] != topic)
with open(out + "/big_tx.jsonl.gz", "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.writelines(big)
PY
  golden offsets "$out/worker/connect.offsets" "$out/offsets.jsonl"
  psql_admin -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
  slot=""
}

status=0
for v in "${variants[@]}"; do
  record_variant "$v"
  golden_dir=$dir/${variant_dir[$v]}
  if [[ $mode == check ]]; then
    for f in records.jsonl big_tx.jsonl.gz offsets-snapshot.jsonl offsets.jsonl; do
      if ! diff -u <(python3 "$dir/normalise.py" "$golden_dir/$f") <(python3 "$dir/normalise.py" "$work/$v/$f") >"$work/$v/$f.diff"; then
        echo "record.sh: $v: $f differs from the golden beyond the fields that differ by nature (normalise.py):" >&2
        head -n 40 "$work/$v/$f.diff" >&2
        status=1
      fi
    done
    ((status == 0)) && echo "record.sh: $v: $work/$v matches the goldens after normalising"
  else
    mkdir -p "$golden_dir"
    cp "$work/$v/records.jsonl" "$work/$v/big_tx.jsonl.gz" "$work/$v/offsets-snapshot.jsonl" "$work/$v/offsets.jsonl" "$golden_dir/"
    echo "record.sh: $v: wrote $golden_dir/records.jsonl ($(wc -l <"$golden_dir/records.jsonl") records), offsets-snapshot.jsonl and offsets.jsonl"
  fi
done
exit $status
