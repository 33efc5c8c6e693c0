/*
 * Stand-in for org.apache.kafka.common.utils.Sanitizer, which Kafka 4.4
 * moved to org.apache.kafka.common.utils.internals. Debezium's connector
 * common code (JMX names of its metrics) calls it; this answers what the
 * moved class answers.
 */
package org.apache.kafka.common.utils;

public final class Sanitizer {
    private Sanitizer() {
    }

    public static String sanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.sanitize(name);
    }

    public static String desanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.desanitize(name);
    }

    public static String jmxSanitize(String name) {
        return org.apache.kafka.common.utils.internals.Sanitizer.jmxSanitize(name);
    }
}
