package dev.keelson.apiserver;

import java.time.Duration;

/**
 * What one request and one connection may cost the apiserver: kube-apiserver's request timeout and max-in-flight
 * limits, and the connection limits Go's HTTP server gives it (header-read and idle timeouts) plus our own bounds on
 * connections (a JVM has no goroutine-cheap connections, so file descriptors run out first).
 */
public record ServingLimits(Duration requestTimeout, int maxRequestsInflight, int maxMutatingRequestsInflight,
                            Duration headerReadTimeout, Duration idleTimeout, Duration tlsHandshakeTimeout,
                            int maxConnections, int maxUnauthenticatedConnectionsPerAddress, int workerThreads) {

    /** kube-apiserver's defaults (60 s, 400, 200; Go server 32 s header and 90 s idle timeouts) and ours. */
    public static ServingLimits defaults() {
        return new ServingLimits(Duration.ofSeconds(60), 400, 200, Duration.ofSeconds(32), Duration.ofSeconds(90),
                Duration.ofSeconds(10), 10_000, 256, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    public ServingLimits withRequestTimeout(Duration timeout) {
        return new ServingLimits(timeout, maxRequestsInflight, maxMutatingRequestsInflight, headerReadTimeout,
                idleTimeout, tlsHandshakeTimeout, maxConnections, maxUnauthenticatedConnectionsPerAddress,
                workerThreads);
    }

    public ServingLimits withInflight(int readOnly, int mutating) {
        return new ServingLimits(requestTimeout, readOnly, mutating, headerReadTimeout, idleTimeout,
                tlsHandshakeTimeout, maxConnections, maxUnauthenticatedConnectionsPerAddress, workerThreads);
    }

    public ServingLimits withConnections(Duration headerRead, Duration idle, Duration tlsHandshake, int max,
                                         int unauthenticatedPerAddress) {
        return new ServingLimits(requestTimeout, maxRequestsInflight, maxMutatingRequestsInflight, headerRead, idle,
                tlsHandshake, max, unauthenticatedPerAddress, workerThreads);
    }
}
