/*
 * Debezium 3.6.1.Final (io.debezium.metrics.Metrics, io.debezium.pipeline.JmxUtils)
 * calls org.apache.kafka.common.utils.Sanitizer.jmxSanitize, which Kafka 4.4 moved
 * to org.apache.kafka.common.utils.internals.Sanitizer. This class, compiled onto
 * the connector's plugin path, forwards to the moved one so the connector runs on
 * the 4.4 runtime unchanged.
 */
package org.apache.kafka.common.utils;

public class Sanitizer {
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
