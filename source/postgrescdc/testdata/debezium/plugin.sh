# Shared by record.sh and ../bench/run.sh (sourced, not run): Debezium's
# PostgreSQL connector as a Connect plugin directory. Callers source
# runtime/rest/testdata/jvm/worker.sh first, set work (a scratch directory)
# and call jvm_jars before debezium_plugin.

debezium_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# debezium_plugin sets plugin_path: a directory holding one plugin, the
# connector with its runtime dependencies from Maven Central (without the
# Kafka and SLF4J jars the worker provides, as Debezium's plugin archive has
# it) and the Sanitizer stand-in, cached under a key that changes with the
# pom or the stand-in.
debezium_plugin() {
  local pom key plugin ok attempt cache
  cache=${KCONNECT_CI_CACHE:-$HOME/.cache/kconnect-ci}
  mkdir -p "$cache"
  pom=$(
    cat <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- Written by source/postgrescdc/testdata/debezium/record.sh to fetch the
       connector's jars; nothing is built from it. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.github.kconnect-go.golden</groupId>
  <artifactId>debezium-postgres-plugin</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.debezium</groupId>
      <artifactId>debezium-connector-postgres</artifactId>
      <version>3.6.1.Final</version>
    </dependency>
  </dependencies>
</project>
POM
  )
  key=$( (echo "$pom" && cat "$debezium_dir/src/org/apache/kafka/common/utils/Sanitizer.java") | sha256sum | cut -c1-16)
  plugin="$cache/debezium-postgres-$key"
  exec 8>"$cache/.fetch.lock"
  flock 8
  if [[ ! -f $plugin/.complete ]]; then
    rm -rf "$plugin"
    mkdir -p "$plugin/plugins/debezium-connector-postgres" "$plugin/standin"
    echo "$pom" >"$plugin/pom.xml"
    ok=""
    for attempt in 1 2 3; do
      if mvn -B -q -Dstyle.color=never -f "$plugin/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DexcludeGroupIds=org.apache.kafka,org.slf4j \
        -DoutputDirectory="$plugin/plugins/debezium-connector-postgres" >"$work/mvn-debezium.log" 2>&1; then
        ok=1
        break
      fi
      echo "mvn attempt $attempt failed:" >&2
      tail -n 30 "$work/mvn-debezium.log" >&2
      sleep $((attempt * 5))
    done
    [[ -n $ok ]] || die "could not fetch Debezium's jars (see $work/mvn-debezium.log)"
    javac -nowarn -d "$plugin/standin" -cp "$jvm_cp" \
      "$debezium_dir/src/org/apache/kafka/common/utils/Sanitizer.java" || die "compiling the Sanitizer stand-in failed"
    jar --create --file "$plugin/plugins/debezium-connector-postgres/kafka-sanitizer-standin.jar" \
      -C "$plugin/standin" . || die "packing the Sanitizer stand-in failed"
    touch "$plugin/.complete"
  fi
  flock -u 8
  exec 8>&-
  plugin_path=$plugin/plugins
}
