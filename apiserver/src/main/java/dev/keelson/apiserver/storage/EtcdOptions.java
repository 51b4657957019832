package dev.keelson.apiserver.storage;

import java.time.Duration;

/**
 * How the apiserver talks to etcd: TLS (null for plain HTTP), the deadline of every etcd call, and how often it
 * compacts etcd's history (0 = never; kube-apiserver's {@code --etcd-compaction-interval}, 5 minutes).
 */
public record EtcdOptions(EtcdTls tls, Duration requestTimeout, Duration compactionInterval) {
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public static EtcdOptions defaults() {
        return new EtcdOptions(null, DEFAULT_REQUEST_TIMEOUT, Duration.ZERO);
    }

    public EtcdOptions withTls(EtcdTls tls) {
        return new EtcdOptions(tls, requestTimeout, compactionInterval);
    }
}
