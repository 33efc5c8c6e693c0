#!/bin/sh
# Regenerates ../wkt/*.java.txtpb: the descriptors Java's generated classes
# hold for the well-known files (X.getDescriptor().toProto()), which
# Confluent's Protobuf provider renders and registers. Needs Java 17 and
# Maven with Maven Central; run by hand, not in CI. Other versions:
# gen.sh -Dprotobuf.version=... -Dcommon.protos.version=... -Dout=DIR. The renderings
# themselves (../wkt/*.proto) are rewritten by
# `go test -run TestWellKnownRendering -update` in converter/protobuf.
set -e
cd "$(dirname "$0")"
mvn -q -B compile exec:java "$@"
rm -rf target
