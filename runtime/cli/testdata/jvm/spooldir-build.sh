#!/usr/bin/env bash
# Builds jcustenborder/kafka-connect-spooldir from a source checkout into a
# directory of jars for a JVM Kafka Connect worker's plugin.path, for
# TestDistributedSpoolDirTakeoverFromJVM (runtime/cli). Its jars are not on
# Maven Central; its parent pom and connect-utils are, so it builds from
# source with Java 17 and Maven.
#
#   git clone https://github.com/jcustenborder/kafka-connect-spooldir src
#   runtime/cli/testdata/jvm/spooldir-build.sh src out
#   KCONNECT_SPOOLDIR_PLUGIN_PATH=$PWD/out/spooldir go test -run SpoolDir ./runtime/cli/
#
# The build works on a copy of the checkout (left as it is), without the
# Avro connector: it needs io.confluent:kafka-connect-avro-converter, which
# only Confluent's repository serves, as it does the Confluent Hub packaging
# plugin, which is left out too. Tests are not built. out/spooldir receives
# the connector's jar and its runtime dependencies (Kafka's own are
# provided by the worker); out/m2 is the Maven repository it used, unless
# MAVEN_REPO names another.
set -euo pipefail

die() { echo "${0##*/}: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: ${0##*/} <kafka-connect-spooldir checkout> <output directory>"
src=$(cd "$1" && pwd) || die "no such directory: $1"
[[ -f $src/pom.xml && -d $src/src/main/java/com/github/jcustenborder/kafka/connect/spooldir ]] ||
  die "$src is not a kafka-connect-spooldir checkout"
mkdir -p "$2"
out=$(cd "$2" && pwd)
command -v java >/dev/null || die "java not found on PATH (Java 17 or later)"
command -v mvn >/dev/null || die "mvn not found on PATH (Maven 3.6 or later)"
repo=${MAVEN_REPO:-$out/m2}

work=$out/build
rm -rf "$work" "$out/spooldir"
mkdir -p "$work" "$out/spooldir"
cp -a "$src/." "$work/"
rm -f "$work"/src/main/java/com/github/jcustenborder/kafka/connect/spooldir/SpoolDirAvro*.java
rm -rf "$work/src/test"
# Drop the avro-converter dependency and the Confluent Hub plugin (each
# one element of the pom) without an XML tool.
perl -0pi -e 's{\s*<dependency>\s*<groupId>io\.confluent</groupId>.*?</dependency>}{}s;
  s{\s*<plugin>\s*<groupId>io\.confluent</groupId>\s*<artifactId>kafka-connect-maven-plugin</artifactId>.*?</plugin>}{}s' \
  "$work/pom.xml"
! grep -q 'io\.confluent' "$work/pom.xml" || die "the pom still names io.confluent artifacts; its layout changed"
# The parent's test dependencies are resolved even with tests skipped, and
# docker-compose-junit-extension's draw in Palantir artifacts no repository
# serves any more: declare it again without its dependencies.
perl -0pi -e 's{</dependencies>}{    <dependency>
            <groupId>com.github.jcustenborder</groupId>
            <artifactId>docker-compose-junit-extension</artifactId>
            <version>0.1.4</version>
            <scope>test</scope>
            <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
        </dependency>
    </dependencies>}' "$work/pom.xml"

mvn=(mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$repo" -f "$work/pom.xml"
  -Dmaven.test.skip=true -Dcheckstyle.skip -Dmaven.javadoc.skip -Denforcer.skip -Dlicense.skip
  -Dmaven.source.skip -Dgpg.skip)
"${mvn[@]}" package >"$out/mvn.log" 2>&1 || { tail -n 40 "$out/mvn.log" >&2; die "mvn package failed (see $out/mvn.log)"; }
"${mvn[@]}" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out/spooldir" \
  >>"$out/mvn.log" 2>&1 || { tail -n 40 "$out/mvn.log" >&2; die "copying the dependencies failed (see $out/mvn.log)"; }
cp "$work"/target/kafka-connect-spooldir-*.jar "$out/spooldir/"
# The worker provides Kafka's API; a second copy in the plugin would shadow it.
rm -f "$out"/spooldir/kafka-clients-*.jar "$out"/spooldir/connect-api-*.jar
echo "$out/spooldir"
