#!/usr/bin/env bash
# An incremental snapshot moved mid-way between Debezium 3.6.1.Final (run
# by JVM Kafka Connect 4.4 standalone) and kconnect, both ways, on one
# table of 3,000 rows:
#   1. Debezium takes the snapshot (an execute-snapshot signal) and is
#      stopped mid-way; its committed offset (GET /connectors/x/offsets)
#      goes to kconnect: TestIncrementalSnapshotFromDebezium starts the
#      task on it and requires the rows after the offset's key, each once,
#      and none before; it stops the task mid-way again and writes its own
#      committed offset (kconnect-offset.json) and its key (kconnect-key.txt).
#   2. That offset is given back to Debezium (PATCH /connectors/x/offsets)
#      and the connector resumed: the rows Debezium then reads must be the
#      ones after kconnect's key, each once.
#
# Usage: source/postgrescdc/testdata/incremental/sidebyside.sh [WORKDIR]
# Needs what ../debezium/record.sh needs (KCONNECT_POSTGRES_URL, java,
# javac, mvn or the cached jars, psql, curl, python3, go) and the broker at
# KCONNECT_KAFKA_BROKERS. It creates the database kc_incr_sbs (dropped
# first) and the topics kcincrsbs.* (deleted first and at the end).
set -euo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$dir/../../../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
# shellcheck source=../../../../runtime/rest/testdata/jvm/worker.sh
source "$root/runtime/rest/testdata/jvm/worker.sh"
# shellcheck source=../debezium/plugin.sh
source "$root/source/postgrescdc/testdata/debezium/plugin.sh"

prefix=kcincrsbs db=kc_incr_sbs connector=kcincrsbs rows=3000
slot=kcincrsbs_$$ publication=kcincrsbs_$$
export TZ=UTC PGTZ=UTC
[[ -n ${KCONNECT_POSTGRES_URL-} ]] || die "KCONNECT_POSTGRES_URL is not set"
admin_url=$KCONNECT_POSTGRES_URL
db_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$admin_url" "$db")
read -r pg_host pg_port pg_user pg_password < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(p.hostname or "127.0.0.1", p.port or 5432, u.unquote(p.username or "postgres"), u.unquote(p.password or "") or "-")
' "$admin_url")
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At "$admin_url" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At "$db_url" "$@"; }

cleanup() {
  worker_cleanup
  if [[ -n ${golden_cp-} ]]; then
    java -cp "$golden_cp" golden.Golden delete-topics "$brokers" "$prefix" >/dev/null 2>&1 || true
  fi
  psql_admin -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null 2>&1 || true
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

jvm_jars
debezium_plugin
need_broker
mkdir -p "$work/classes"
javac -nowarn -d "$work/classes" -cp "$jvm_cp" "$root/source/postgrescdc/testdata/debezium/src/golden/Golden.java"
golden_cp="$work/classes:$jvm_cp"
golden() { java -cp "$golden_cp" golden.Golden "$@"; }

psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
golden delete-topics "$brokers" "$prefix"
psql_db <<SQL
CREATE TABLE public.t (id int PRIMARY KEY, v text);
INSERT INTO public.t SELECT g, 'v' || g FROM generate_series(1, $rows) g;
CREATE TABLE public.dbz_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));
-- Each chunk takes a while, so that the snapshot can be caught mid-way.
CREATE FUNCTION slow_close() RETURNS trigger LANGUAGE plpgsql AS \$\$
  BEGIN IF NEW.type = 'snapshot-window-close' THEN PERFORM pg_sleep(0.1); END IF; RETURN NEW; END \$\$;
CREATE TRIGGER slow_close BEFORE INSERT ON public.dbz_signal FOR EACH ROW EXECUTE FUNCTION slow_close();
SQL

# The connector's configuration, the same keys for both.
python3 - "$pg_host" "$pg_port" "$pg_user" "$pg_password" "$db" "$prefix" "$slot" "$publication" >"$work/config.json" <<'PY'
import json, sys
host, port, user, password, db, prefix, slot, publication = sys.argv[1:]
c = {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "tasks.max": "1", "database.hostname": host, "database.port": port, "database.user": user,
    "database.dbname": db, "topic.prefix": prefix, "plugin.name": "pgoutput", "slot.name": slot,
    "publication.name": publication, "publication.autocreate.mode": "all_tables",
    "snapshot.mode": "no_data", "table.include.list": "public.t,public.dbz_signal",
    "signal.data.collection": "public.dbz_signal", "incremental.snapshot.chunk.size": "100",
    "topic.creation.default.replication.factor": "1", "topic.creation.default.partitions": "1",
}
if password != "-":
    c["database.password"] = password
print(json.dumps(c))
PY

worker_config "$work/worker"
cat >>"$work/worker/worker.properties" <<PROPS
plugin.path=$plugin_path
offset.flush.interval.ms=300
PROPS
jvm_start "$work/worker"
worker_wait_ready
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' --data @"$work/config.json" \
  "$worker_url/connectors/$connector/config" || die "creating the connector failed"
state() { curl -sf "$worker_url/connectors/$connector/status" | python3 -c 'import json, sys; s = json.load(sys.stdin); print(s["connector"]["state"], *[t["state"] for t in s["tasks"]])'; }
# offset_key KEY: the committed offset's KEY, "" when absent.
offset_key() {
  curl -sf "$worker_url/connectors/$connector/offsets" |
    python3 -c 'import json, sys; o = json.load(sys.stdin)["offsets"]; print(o[0]["offset"].get(sys.argv[1]) or "" if o else "")' "$1"
}
deadline=$((SECONDS + 120))
until psql_admin -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot' AND active" | grep -q 1; do
  ((SECONDS < deadline)) || die "Debezium did not start streaming within 120 s"
  sleep 0.5
done

# 1. Debezium mid-way, then kconnect.
psql_db -c "INSERT INTO public.dbz_signal VALUES ('sbs-1', 'execute-snapshot', '{\"data-collections\": [\"public.t\"], \"type\": \"incremental\"}')"
deadline=$((SECONDS + 120))
until key=$(offset_key incremental_snapshot_primary_key) && [[ -n $key && $key != aced000570 ]]; do
  ((SECONDS < deadline)) || die "no incremental snapshot progress in Debezium's offsets within 120 s"
  sleep 0.2
done
curl -sf -o /dev/null -X PUT "$worker_url/connectors/$connector/stop" || die "stopping the connector failed"
deadline=$((SECONDS + 60))
until [[ $(state) == STOPPED* ]]; do
  ((SECONDS < deadline)) || die "the connector did not stop within 60 s"
  sleep 0.2
done
curl -sf "$worker_url/connectors/$connector/offsets" >"$work/debezium-offset.json"
echo "sidebyside.sh: Debezium stopped mid-snapshot: $(cat "$work/debezium-offset.json")"
deadline=$((SECONDS + 60))
until ! psql_admin -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot' AND active" | grep -q 1; do
  ((SECONDS < deadline)) || die "Debezium still holds the slot after 60 s"
  sleep 0.2
done
(cd "$root" && KCONNECT_DEBEZIUM_INCREMENTAL=$work go test -count=1 -run 'TestIncrementalSnapshotFromDebezium$' -v ./source/postgrescdc/) ||
  die "kconnect did not go on with Debezium's incremental snapshot"

# 2. kconnect's offset back to Debezium.
python3 - "$prefix" "$work/kconnect-offset.json" >"$work/patch.json" <<'PY'
import json, sys
print(json.dumps({"offsets": [{"partition": {"server": sys.argv[1]}, "offset": json.load(open(sys.argv[2]))}]}))
PY
curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/json' --data @"$work/patch.json" \
  "$worker_url/connectors/$connector/offsets" || die "giving Debezium kconnect's offset failed"
golden delete-topics "$brokers" "$prefix"
curl -sf -o /dev/null -X PUT "$worker_url/connectors/$connector/resume" || die "resuming the connector failed"
deadline=$((SECONDS + 180))
until [[ $(state) == RUNNING* ]] && [[ -z $(offset_key incremental_snapshot_collections) ]]; do
  ((SECONDS < deadline)) || die "Debezium did not finish the incremental snapshot within 180 s"
  sleep 0.5
done
worker_stop
golden dump "$brokers" "$prefix" "$work/debezium-records.jsonl"
python3 - "$work/kconnect-key.txt" "$work/debezium-records.jsonl" "$rows" "$prefix.public.t" <<'PY'
import json, sys
after = int(open(sys.argv[1]).read())
reads = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if r["topic"] != sys.argv[4] or r["value"] is None:
        continue
    v = r["value"]
    p = (json.loads(v) if isinstance(v, str) else v)["payload"]
    if p["op"] == "r":
        i = p["after"]["id"]
        reads[i] = reads.get(i, 0) + 1
want = set(range(after + 1, int(sys.argv[3]) + 1))
bad = {i: n for i, n in reads.items() if n != 1}
if set(reads) != want or bad:
    sys.exit(f"Debezium read {len(reads)} rows from {min(reads, default=None)} to {max(reads, default=None)}, "
             f"want {after + 1} to {sys.argv[3]} each once; read more than once: {list(bad)[:10]}")
print(f"sidebyside.sh: Debezium went on from kconnect's key {after}: rows {after + 1} to {sys.argv[3]}, each once")
PY
