package dev.keelson.componentbase.certificates;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a certificate before it expires, as client-go's certificate manager does for the kubelet: a new key and a
 * new CertificateSigningRequest at a random point between 70 % and 90 % of the current certificate's lifetime, then
 * the new pair is stored and put to use (no restart); a failed renewal is tried again with back-off (5 s doubling to
 * 5 min) while the old certificate still serves.
 */
public final class CertificateRotation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateRotation.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    /** How one certificate is obtained and kept. */
    public interface Target {
        /** The certificate in use now, or null when there is none yet (then one is requested at once). */
        X509Certificate current();

        /** Asks for a certificate for {@code key} (a CSR with the current credential), returning its PEM chain. */
        String request(KeyPair key) throws Exception;

        /** Stores the new pair and makes it the one in use. */
        void install(KeyPair key, String certificatePem) throws Exception;
    }

    private final String what;
    private final Target target;
    private final java.util.function.Supplier<KeyPair> keys;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private Duration backoff = Duration.ofSeconds(5);
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch installed = new java.util.concurrent.CountDownLatch(1);

    public CertificateRotation(String what, Target target, java.util.function.Supplier<KeyPair> keys, Clock clock) {
        this.what = what;
        this.target = target;
        this.keys = keys;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "certificate-rotation-" + what);
            t.setDaemon(true);
            return t;
        });
    }

    /** Schedules the first renewal (at once when there is no certificate or its deadline has passed). */
    public void start() {
        X509Certificate current = target.current();
        if (current != null) {
            installed.countDown();
        }
        schedule(current);
    }

    /** Waits until a certificate is in use (at once when there was one at start). */
    public boolean awaitCertificate(Duration timeout) throws InterruptedException {
        return installed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * client-go's nextRotationDeadline: notBefore + a random 70-90 % of the certificate's lifetime.
     */
    public static Instant deadline(X509Certificate cert, double random) {
        Instant notBefore = cert.getNotBefore().toInstant();
        long total = Duration.between(notBefore, cert.getNotAfter().toInstant()).toMillis();
        return notBefore.plusMillis((long) (total * (0.7 + 0.2 * random)));
    }

    private void schedule(X509Certificate cert) {
        if (closed) {
            return;
        }
        Duration wait = Duration.ZERO;
        if (cert != null) {
            Instant at = deadline(cert, ThreadLocalRandom.current().nextDouble());
            wait = Duration.between(clock.instant(), at);
            if (wait.isNegative()) {
                wait = Duration.ZERO;
            }
            LOG.info("{} certificate (valid until {}) is renewed in {} s", what, cert.getNotAfter().toInstant(),
                    wait.toSeconds());
        }
        timer.schedule(this::rotate, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void rotate() {
        if (closed) {
            return;
        }
        try {
            KeyPair key = keys.get();
            String pem = target.request(key);
            target.install(key, pem);
            installed.countDown();
            backoff = Duration.ofSeconds(5);
            LOG.info("{} certificate renewed", what);
            schedule(target.current());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (closed) {
                return;
            }
            LOG.warn("{} certificate renewal failed ({}): trying again in {} s", what, e.getMessage(),
                    backoff.toSeconds());
            timer.schedule(this::rotate, backoff.toMillis(), TimeUnit.MILLISECONDS);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
