/*
 * Stand-in for org.apache.kafka.common.utils.AppInfoParser, which Kafka 4.4
 * moved to org.apache.kafka.common.utils.internals. connect-file 4.3.1 (the
 * newest FileStream connectors on Maven Central) calls getVersion() from
 * its connectors' version(); this answers what the moved class answers, so
 * the connectors report the 4.4 version as connect-file 4.4.0 would.
 */
package org.apache.kafka.common.utils;

public final class AppInfoParser {
    private AppInfoParser() {
    }

    public static String getVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }

    public static String getCommitId() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getCommitId();
    }
}
