package dev.keelson.apiserver.storage;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether etcd answers, for /readyz (a probe now: not ready the moment etcd does not answer) and /livez (failing
 * only once etcd has not answered for {@code livenessThreshold}, so that a supervisor restarts an apiserver cut off
 * from etcd, not one that lost etcd for a moment). A probe every few seconds keeps the liveness answer current.
 */
public final class EtcdHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdHealth.class);
    private final EtcdStorage etcd;
    private final Duration probeTimeout;
    private final Duration livenessThreshold;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-health");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastSuccess = System.nanoTime();
    private volatile String lastError = "no probe yet";
    private volatile boolean failing;

    public EtcdHealth(EtcdStorage etcd, Duration probeTimeout, Duration livenessThreshold) {
        this.etcd = etcd;
        this.probeTimeout = probeTimeout;
        this.livenessThreshold = livenessThreshold;
        long period = Math.max(1, Math.min(5, livenessThreshold.toSeconds() / 4));
        timer.scheduleWithFixedDelay(this::probe, period, period, TimeUnit.SECONDS);
    }

    /** null when etcd answered a read within the probe timeout, else why not. */
    public CompletableFuture<String> readiness() {
        return etcd.currentRevision().orTimeout(probeTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((rev, e) -> {
            if (e == null) {
                lastSuccess = System.nanoTime();
                if (failing) {
                    failing = false;
                    LOG.info("etcd answers again");
                }
                return null;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            lastError = cause instanceof java.util.concurrent.TimeoutException
                    ? "etcd did not answer within " + probeTimeout.toMillis() + " ms" : String.valueOf(cause.getMessage());
            if (!failing) {
                failing = true;
                LOG.warn("etcd does not answer: {}", lastError);
            }
            return lastError;
        });
    }

    /** null while etcd answered within the liveness threshold, else how long it has not. */
    public String liveness() {
        long silent = System.nanoTime() - lastSuccess;
        if (silent <= livenessThreshold.toNanos()) {
            return null;
        }
        return "etcd has not answered for " + TimeUnit.NANOSECONDS.toSeconds(silent) + " s (last error: " + lastError
                + ")";
    }

    private void probe() {
        try {
            readiness().get(probeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // readiness() records failures itself
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
