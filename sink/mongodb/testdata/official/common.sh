# Shared by compare.sh and bench.sh (sourced, not run): the official
# connector's plugin and officialTool (../../official_test.go). Callers set
# dir, root, work and cache, and source runtime/rest/testdata/jvm/worker.sh
# first.

# mongo_plugin sets plugin_path (the connector and its runtime dependencies
# from Maven Central, without the Kafka and SLF4J jars the worker provides)
# and standin (the SystemTime stand-in's classes), cached under a key that
# changes with the pom or the stand-in.
mongo_plugin() {
  local pom key plugin ok attempt
  pom=$(
    cat <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- Written by sink/mongodb/testdata/official/compare.sh to fetch the
       connector's jars; nothing is built from it. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.github.kconnect-go.golden</groupId>
  <artifactId>mongo-kafka-connect-plugin</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.mongodb.kafka</groupId>
      <artifactId>mongo-kafka-connect</artifactId>
      <version>1.13.0</version>
    </dependency>
  </dependencies>
</project>
POM
  )
  key=$( (echo "$pom" && cat "$dir/src/org/apache/kafka/common/utils/SystemTime.java") | sha256sum | cut -c1-16)
  plugin="$cache/mongo-kafka-connect-$key"
  exec 8>"$cache/.fetch.lock"
  flock 8
  if [[ ! -f $plugin/.complete ]]; then
    rm -rf "$plugin"
    mkdir -p "$plugin/plugins/mongo-kafka-connect" "$plugin/standin"
    echo "$pom" >"$plugin/pom.xml"
    ok=""
    for attempt in 1 2 3; do
      if mvn -B -q -Dstyle.color=never -f "$plugin/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DexcludeGroupIds=org.apache.kafka,org.slf4j \
        -DoutputDirectory="$plugin/plugins/mongo-kafka-connect" >"$work/mvn-mongo.log" 2>&1; then
        ok=1
        break
      fi
      echo "mvn attempt $attempt failed:" >&2
      tail -n 30 "$work/mvn-mongo.log" >&2
      sleep $((attempt * 5))
    done
    [[ -n $ok ]] || die "could not fetch mongo-kafka-connect's jars (see $work/mvn-mongo.log)"
    javac -nowarn -d "$plugin/standin" -cp "$jvm_cp" \
      "$dir/src/org/apache/kafka/common/utils/SystemTime.java" || die "compiling the SystemTime stand-in failed"
    touch "$plugin/.complete"
  fi
  flock -u 8
  exec 8>&-
  plugin_path=$plugin/plugins
  standin=$plugin/standin
}

# tool runs officialTool of ../../official_test.go.
tool() {
  (cd "$root" && KCONNECT_MONGO_OFFICIAL_TOOL="$*" go test -count=1 -run '^TestOfficialGoldens$' ./sink/mongodb/ >"$work/tool.log" 2>&1) ||
    { tail -n 30 "$work/tool.log" >&2; die "official tool $1 failed"; }
}

