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
if [ -n "${1:-}" ]; then
  # Offsets a kconnect test wrote (KCONNECT_INCREMENTAL_OFFSETS): Debezium
  # reads them and stores them again unchanged.
  java -cp "$work:$cp" DebeziumOffsets "$1"
fi
