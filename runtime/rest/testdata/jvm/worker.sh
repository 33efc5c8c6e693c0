# Shared by record.sh and measure.sh (sourced, not run): fetching the JVM
# Kafka Connect jars, a broker, and starting and stopping one standalone
# worker. See README.md.
#
# Callers set: root (the repo root), work (a scratch directory), and call
# jvm_jars, need_broker, then worker_start / worker_wait_ready / worker_stop.

here=$root/runtime/rest/testdata/jvm

die() {
  echo "${0##*/}: $*" >&2
  if [[ -n ${worker_log-} && -f $worker_log ]]; then
    echo "---- last 40 lines of $worker_log ----" >&2
    tail -n 40 "$worker_log" >&2 || true
  fi
  exit 1
}

# jvm_jars sets jvm_cp: the worker's jars from Maven Central and the
# AppInfoParser stand-in, cached in $KCONNECT_CI_CACHE (as .ci/kafka-start
# caches the broker's) under a key that changes with the pom or the
# stand-in's source.
jvm_jars() {
  command -v java >/dev/null || die "java not found on PATH (Java 17 or later)"
  command -v mvn >/dev/null || die "mvn not found on PATH (Maven 3.8 or later)"
  local cache key jars ok attempt
  cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
  key=$(cat "$here/pom.xml" "$here/src/org/apache/kafka/common/utils/AppInfoParser.java" | sha256sum | cut -c1-16)
  jars="$cache/connect-jars-$key"
  mkdir -p "$cache"
  exec 8>"$cache/.fetch.lock"
  flock 8
  if [[ ! -f $jars/.complete ]]; then
    rm -rf "$jars"
    mkdir -p "$jars/standin"
    ok=""
    for attempt in 1 2 3; do
      if mvn -B -q -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$jars" >"$work/mvn.log" 2>&1; then
        ok=1
        break
      fi
      echo "mvn attempt $attempt failed:" >&2
      tail -n 30 "$work/mvn.log" >&2
      sleep $((attempt * 5))
    done
    [[ -n $ok ]] || die "could not fetch the Connect jars (see $work/mvn.log)"
    javac -nowarn -d "$jars/standin" -cp "$jars/*" \
      "$here/src/org/apache/kafka/common/utils/AppInfoParser.java" || die "compiling the AppInfoParser stand-in failed"
    touch "$jars/.complete"
  fi
  flock -u 8
  exec 8>&-
  # The stand-in first: connect-file 4.3.1 finds AppInfoParser there.
  jvm_cp="$jars/standin:$jars/*"
}

# need_broker sets brokers from KCONNECT_KAFKA_BROKERS, or starts one with
# .ci/kafka-start under $work/kafka (stopped by worker_cleanup).
need_broker() {
  if [[ -n ${KCONNECT_KAFKA_BROKERS-} ]]; then
    brokers=$KCONNECT_KAFKA_BROKERS
    return
  fi
  started_broker=$work/kafka
  (cd "$root" && .ci/kafka-start "$started_broker") || die "starting a broker failed"
  # shellcheck disable=SC1091
  source "$started_broker/kafka.env"
  brokers=$KCONNECT_KAFKA_BROKERS
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# worker_config DIR writes DIR/worker.properties (a standalone worker on a
# free loopback port, offsets in DIR) and DIR/log4j2.properties; sets
# worker_port and worker_url.
worker_config() {
  local d=$1
  mkdir -p "$d"
  rm -f "$d/connect.offsets"
  worker_port=$(free_port)
  worker_url=http://127.0.0.1:$worker_port
  cat >"$d/worker.properties" <<PROPS
# A standalone worker as config/connect-standalone.properties has it, on a
# free loopback port.
bootstrap.servers=$brokers
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
offset.storage.file.filename=$d/connect.offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$worker_port
PROPS
  cat >"$d/log4j2.properties" <<PROPS
# Kafka's config/connect-log4j2.yaml (root at INFO), to one file.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $d/connect.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %X{connector.context}%m (%c:%L)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
PROPS
}

# jvm_start DIR starts ConnectStandalone with DIR's config, the JVM options
# bin/connect-standalone.sh gives it by default; sets worker_pid, worker_log.
jvm_start() {
  local d=$1
  worker_log=$d/stdout.log
  java -Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$d/log4j2.properties" \
    -Dkafka.logs.dir="$d" -cp "$jvm_cp" \
    org.apache.kafka.connect.cli.ConnectStandalone "$d/worker.properties" \
    </dev/null >"$worker_log" 2>&1 &
  worker_pid=$!
}

# cmd_start DIR CMD... starts another worker program as
# "CMD... standalone DIR/worker.properties"; sets worker_pid, worker_log.
cmd_start() {
  local d=$1
  shift
  worker_log=$d/stdout.log
  "$@" standalone "$d/worker.properties" </dev/null >"$worker_log" 2>&1 &
  worker_pid=$!
}

# worker_wait_ready waits until GET /health answers 200 (KIP-1017: the
# worker has finished starting), for at most ${READY_TIMEOUT:-120} s.
worker_wait_ready() {
  local deadline=$((SECONDS + ${READY_TIMEOUT:-120}))
  until curl -sf -o /dev/null "$worker_url/health"; do
    kill -0 "$worker_pid" 2>/dev/null || die "worker $worker_pid exited while starting"
    ((SECONDS < deadline)) || die "worker not ready within ${READY_TIMEOUT:-120}s"
    sleep 0.05
  done
}

# worker_stop stops the worker by its pid and waits for it.
worker_stop() {
  [[ -n ${worker_pid-} ]] || return 0
  if kill -0 "$worker_pid" 2>/dev/null; then
    kill "$worker_pid" 2>/dev/null || true
    local i
    for i in $(seq 1 200); do
      kill -0 "$worker_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$worker_pid" 2>/dev/null && kill -9 "$worker_pid" 2>/dev/null
  fi
  wait "$worker_pid" 2>/dev/null || true
  worker_pid=""
}

# worker_cleanup stops the worker and any broker this script started.
worker_cleanup() {
  worker_stop
  if [[ -n ${started_broker-} ]]; then
    "$root/.ci/kafka-stop" "$started_broker" >&2 || true
  fi
}
