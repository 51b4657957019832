package dev.keelson.componentbase.cli;

import java.util.concurrent.CountDownLatch;

/** Runs one component as its own `keelson <component>` process: started now, stopped when the JVM is told to exit. */
public final class Foreground {
    private Foreground() {
    }

    /**
     * Starts the component and blocks until shutdown (SIGTERM, Ctrl-C). {@code stop} runs in the shutdown hook, so
     * it is registered before {@code start}: a signal during start-up still stops what was started.
     *
     * @return the process exit code, 0
     */
    public static int runUntilShutdown(String name, Runnable start, Runnable stop) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            stopped.countDown();
        }, name + "-shutdown"));
        start.run();
        stopped.await();
        return 0;
    }
}
