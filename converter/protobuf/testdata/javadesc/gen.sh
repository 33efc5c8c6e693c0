#!/bin/sh
# Regenerates ../wkt/*.java.txtpb: the descriptors Java's generated classes
# hold for the well-known files (X.getDescriptor().toProto()), which
# Confluent's Protobuf provider renders and registers. Needs Java 17 and
# Maven with Maven Central; run by hand, not in CI. Other versions:
# gen.sh -Dprotobuf.version=... -Dcommon.protos.version=... -Dout=DIR. The renderings
# themselves (../wkt/*.proto) are rewritten by
# `go test -run TestWellKnownRendering -update` in converter/protobuf.
# ../wkt/confluent/*.java.txtpb are not made here: Confluent's
# protobuf-types jar is not on Maven Central, so they are the
# descriptorData strings of its generated MetaProto and DecimalProto
# classes (in its source tree), Java string escapes decoded, parsed as a
# FileDescriptorProto and written as text.
set -e
cd "$(dirname "$0")"
mvn -q -B compile exec:java "$@"
rm -rf target
