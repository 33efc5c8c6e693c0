// A stand-in for Kafka 4.x's org.apache.kafka.common.utils.SystemTime, whose
// constructor is now private: mongo-kafka-connect 1.13.0 calls
// new SystemTime(), which on Kafka 4.4's class fails with IllegalAccessError.
// compare.sh puts it first on the JVM worker's class path (the worker loads
// org.apache.kafka.common classes from its own class path, never from a
// plugin's), so it replaces Kafka's class for the whole worker; it behaves as
// Kafka's does.
package org.apache.kafka.common.utils;

import java.util.concurrent.TimeUnit;

public class SystemTime implements Time {
    private static final SystemTime SYSTEM_TIME = new SystemTime();

    public static SystemTime getSystemTime() {
        return SYSTEM_TIME;
    }

    public SystemTime() {
    }

    @Override
    public long milliseconds() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoseconds() {
        return System.nanoTime();
    }

    @Override
    public void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
