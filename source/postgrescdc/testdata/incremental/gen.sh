#!/usr/bin/env bash
# Writes javaser.txt (Java's ObjectOutputStream, any JDK 17+) and
# debezium-offsets.txt (Debezium 3.6.1's incremental snapshot context, the
# jars testdata/debezium/plugin.sh fetches), then reads the latter back
# through Debezium. Needs javac and, for the second, the plugin directory
# as DEBEZIUM_PLUGIN (default: the cache plugin.sh fills) and SLF4J's API,
# which Connect provides, on KCONNECT_CONNECT_CLASSPATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" "$here/JavaKeys.java"
java -cp "$work" JavaKeys >"$here/javaser.txt"
plugin=${DEBEZIUM_PLUGIN:-$(ls -d "${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}"/debezium-postgres-*/plugins/* | head -1)}
cp="$plugin/*:${KCONNECT_CONNECT_CLASSPATH:?the Connect class path, for SLF4J}"
javac -cp "$cp" -d "$work" "$here/DebeziumOffsets.java"
java -cp "$work:$cp" DebeziumOffsets >"$here/debezium-offsets.txt"
java -cp "$work:$cp" DebeziumOffsets "$here/debezium-offsets.txt"
# The Java classes PostgreSQL's JDBC driver gives each key column type, on
# the server KCONNECT_POSTGRES_URL names (postgres://user@host:port/db).
if [ -n "${KCONNECT_POSTGRES_URL:-}" ]; then
  url=${KCONNECT_POSTGRES_URL#postgres://}
  user=${url%%@*} hostdb=${url#*@}
  hostdb=${hostdb%%\?*}
  javac -d "$work" "$here/PgKeys.java"
  psql "$KCONNECT_POSTGRES_URL" -q -f "$here/keytypes.sql"
  java -cp "$work:$cp" PgKeys "jdbc:postgresql://$hostdb?user=$user" >"$here/pgkeys.txt"
  psql "$KCONNECT_POSTGRES_URL" -q -c "DROP TABLE kconnect_keytypes"
fi
if [ -n "${1:-}" ]; then
  # Offsets a kconnect test wrote (KCONNECT_INCREMENTAL_OFFSETS): Debezium
  # reads them and stores them again unchanged.
  java -cp "$work:$cp" DebeziumOffsets "$1"
fi
