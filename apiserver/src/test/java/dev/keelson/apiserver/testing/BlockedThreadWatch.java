package dev.keelson.apiserver.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x instance whose blocked-thread checker warns when an event loop runs one task for more than
 * {@code maxMillis}, and the warnings it logged, so an attack test can assert the event loops were never blocked.
 */
public final class BlockedThreadWatch implements AutoCloseable {
    /**
     * The limit the attack tests use: 250 ms, not the few milliseconds an event-loop task takes, because the shared
     * 2-core test machines run at load averages of 30 and more, where a thread that is merely not scheduled for 100 ms
     * is reported as blocked. The 4-minute patch this guards against is three orders of magnitude above it.
     */
    public static final long TEST_LIMIT_MS = 250;
    private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
    private final Vertx vertx;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(CHECKER);

    public BlockedThreadWatch(long maxMillis) {
        appender.start();
        logger.addAppender(appender);
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false)
                .setBlockedThreadCheckInterval(Math.max(5, maxMillis / 5))
                .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(maxMillis).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                .setWarningExceptionTime(maxMillis).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The checker's warnings about event-loop threads so far. */
    public List<String> eventLoopWarnings() {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("eventloop")).toList();
        }
    }

    /**
     * Blocks one event loop for {@code millis} and waits until the checker has reported it and has nothing more to
     * report, to prove it works (a watch that cannot fail is none).
     */
    public void blockOnce(long millis) throws Exception {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        vertx.runOnContext(v -> {
            long end = System.nanoTime() + millis * 1_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            done.countDown();
        });
        done.await(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seen = -1;
        while (System.nanoTime() < deadline && (eventLoopWarnings().isEmpty() || eventLoopWarnings().size() != seen)) {
            seen = eventLoopWarnings().size();
            Thread.sleep(500);
        }
    }

    public void clear() {
        synchronized (appender.list) {
            appender.list.clear();
        }
    }

    @Override
    public void close() throws Exception {
        logger.detachAppender(appender);
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
