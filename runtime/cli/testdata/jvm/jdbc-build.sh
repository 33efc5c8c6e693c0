#!/usr/bin/env bash
# Builds Confluent's kafka-connect-jdbc from a source checkout into a
# directory of jars for a JVM Kafka Connect worker's plugin.path, for
# TestDistributedJDBCTakeoverFromJVM (runtime/cli). Its parent pom
# (io.confluent:common) is only on Confluent's repository, so Maven cannot
# build it; but its classes need nothing of Confluent's beyond its own
# source: javac compiles them against JVM Kafka Connect's jars (those of
# KCONNECT_CONNECT_CLASSPATH, as runtime/rest/testdata/jvm/worker.sh
# fetches them) and its third-party dependencies, which are on Maven
# Central and fetched with Maven at the versions the checkout's pom names.
#
#   git clone https://github.com/confluentinc/kafka-connect-jdbc src
#   runtime/cli/testdata/jvm/jdbc-build.sh src out
#   KCONNECT_JDBC_PLUGIN_PATH=$PWD/out/jdbc go test -run JDBCTakeover ./runtime/cli/
#
# out/jdbc receives the connector's jar and its dependencies (the JDBC
# drivers it ships with: SQLite, PostgreSQL, Oracle, SQL Server); out/m2 is
# the Maven repository used, unless MAVEN_REPO names another.
set -euo pipefail

die() { echo "${0##*/}: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: ${0##*/} <kafka-connect-jdbc checkout> <output directory>"
src=$(cd "$1" && pwd) || die "no such directory: $1"
[[ -f $src/pom.xml && -d $src/src/main/java/io/confluent/connect/jdbc ]] || die "$src is not a kafka-connect-jdbc checkout"
[[ -n ${KCONNECT_CONNECT_CLASSPATH-} ]] ||
  die "KCONNECT_CONNECT_CLASSPATH must name JVM Kafka Connect's jars (see runtime/rest/testdata/jvm/worker.sh)"
mkdir -p "$2"
out=$(cd "$2" && pwd)
command -v javac >/dev/null || die "javac not found on PATH (Java 17 or later)"
command -v mvn >/dev/null || die "mvn not found on PATH (Maven 3.6 or later)"
repo=${MAVEN_REPO:-$out/m2}

# prop NAME: the value of <NAME> in the checkout's pom.
prop() {
  local v
  v=$(sed -n "s|.*<$1>\([^<]*\)</$1>.*|\1|p" "$src/pom.xml" | head -n 1)
  [[ -n $v ]] || die "no <$1> in $src/pom.xml"
  echo "$v"
}
version=$(sed -n '/<artifactId>kafka-connect-jdbc<\/artifactId>/,/<\/version>/s|.*<version>\([^<]*\)</version>.*|\1|p' "$src/pom.xml" | head -n 1)
[[ -n $version ]] || die "no version of kafka-connect-jdbc in $src/pom.xml"
re2j=$(sed -n '/<artifactId>re2j<\/artifactId>/,/<\/version>/s|.*<version>\([^<]*\)</version>.*|\1|p' "$src/pom.xml" | head -n 1)

work=$out/build
rm -rf "$work" "$out/jdbc"
mkdir -p "$work/classes" "$out/jdbc"
dep() { echo "<dependency><groupId>$1</groupId><artifactId>$2</artifactId><version>$3</version></dependency>"; }
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-connect-jdbc-deps</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    $(dep com.google.re2j re2j "$re2j")
    $(dep com.github.jsqlparser jsqlparser "$(prop jsqlparser.version)")
    $(dep org.xerial sqlite-jdbc "$(prop sqlite-jdbc.version)")
    $(dep org.postgresql postgresql "$(prop postgresql.version)")
    $(dep com.oracle.database.jdbc ojdbc8 "$(prop oracle.jdbc.driver.version)")
    $(dep com.microsoft.sqlserver mssql-jdbc "$(prop mssqlserver.jdbc.driver.version)")
  </dependencies>
</project>
POM
mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$repo" -f "$work/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$out/jdbc" >"$out/mvn.log" 2>&1 ||
  { tail -n 40 "$out/mvn.log" >&2; die "fetching the dependencies failed (see $out/mvn.log)"; }
find "$src/src/main/java" -name '*.java' >"$work/sources.txt"
javac -nowarn -encoding UTF-8 --release 17 -d "$work/classes" -cp "$KCONNECT_CONNECT_CLASSPATH:$out/jdbc/*" \
  @"$work/sources.txt" 2>"$work/javac.log" || { cat "$work/javac.log" >&2; die "javac failed"; }
cp -R "$src/src/main/resources/." "$work/classes/"
# Maven would fill in the version when it copies the resource.
sed -i "s|^version=.*|version=$version|" "$work/classes/kafka-connect-jdbc-version.properties"
jar cf "$out/jdbc/kafka-connect-jdbc-$version.jar" -C "$work/classes" .
echo "$out/jdbc"
