package dev.keelson.apiserver.storage;

import java.time.Duration;

/**
 * How the apiserver talks to etcd: TLS (null for plain HTTP), the deadline of every etcd call, how often it compacts
 * etcd's history (0 = never; kube-apiserver's {@code --etcd-compaction-interval}, 5 minutes), and how long etcd may
 * not answer before /livez fails.
 */
public record EtcdOptions(EtcdTls tls, Duration requestTimeout, Duration compactionInterval,
                          Duration livenessThreshold) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LIVENESS_THRESHOLD = Duration.ofSeconds(30);

    public static EtcdOptions defaults() {
        return new EtcdOptions(null, DEFAULT_REQUEST_TIMEOUT, Duration.ZERO, DEFAULT_LIVENESS_THRESHOLD);
    }

    public EtcdOptions withTls(EtcdTls tls) {
        return new EtcdOptions(tls, requestTimeout, compactionInterval, livenessThreshold);
    }

    public EtcdOptions withRequestTimeout(Duration timeout) {
        return new EtcdOptions(tls, timeout, compactionInterval, livenessThreshold);
    }

    public EtcdOptions withCompactionInterval(Duration interval) {
        return new EtcdOptions(tls, requestTimeout, interval, livenessThreshold);
    }

    public EtcdOptions withLivenessThreshold(Duration threshold) {
        return new EtcdOptions(tls, requestTimeout, compactionInterval, threshold);
    }
}
