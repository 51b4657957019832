package dev.keelson.apiserver.etcd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the etcd child process and keeps it running: an etcd that exits after it was once healthy is started again
 * after a back-off (1 s doubling to 30 s, back to 1 s after a minute of running), and every restart is logged.
 *
 * <p>The child dies with this JVM, even on {@code kill -9}: it is started through util-linux's
 * {@code setpriv --pdeathsig KILL}, and the kernel sends the parent-death signal when the <em>thread</em> that spawned
 * the child ends. So every spawn happens on one dedicated thread that lives exactly as long as the supervision. Why
 * not a watchdog process: it would itself be one more process to orphan and to supervise; the death signal costs
 * nothing and cannot be missed.
 */
final class EtcdSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdSupervisor.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration STABLE = Duration.ofMinutes(1);
    private static final String SETPRIV = "/usr/bin/setpriv";

    private final List<String> command;
    private final Path log;
    private final Thread thread;
    private final CompletableFuture<Process> first = new CompletableFuture<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile Process process;
    private volatile boolean restartOnExit;
    private volatile boolean stopping;

    EtcdSupervisor(List<String> etcdCommand, Path log) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of(SETPRIV))) {
            cmd.addAll(List.of(SETPRIV, "--pdeathsig", "KILL", "--"));
        } else {
            LOG.warn("{} not found: the etcd child will not die with this process if it is killed", SETPRIV);
        }
        cmd.addAll(etcdCommand);
        this.command = List.copyOf(cmd);
        this.log = log;
        this.thread = new Thread(this::run, "etcd-supervisor");
        thread.setDaemon(true);
    }

    /** Starts the first etcd process; it is restarted only once {@link #supervise()} was called. */
    Process start() {
        thread.start();
        return first.join();
    }

    /** From now on an exit is a crash to recover from (before, a failing first start is the caller's error). */
    void supervise() {
        restartOnExit = true;
    }

    Process process() {
        return process;
    }

    int restarts() {
        return restarts.get();
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (!stopping) {
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            } catch (IOException e) {
                if (!first.isDone()) {
                    first.completeExceptionally(e);
                    return;
                }
                LOG.error("cannot start etcd again: {}; next try in {} s", e.getMessage(), backoff.toSeconds());
                sleep(backoff);
                backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
                continue;
            }
            process = p;
            first.complete(p);
            long began = System.nanoTime();
            int code = waitFor(p);
            if (stopping || !restartOnExit) {
                return;
            }
            if (System.nanoTime() - began > STABLE.toNanos()) {
                backoff = FIRST_BACKOFF;
            }
            LOG.warn("etcd (pid {}) exited with code {}; restarting it in {} s (see {})", p.pid(), code,
                    backoff.toSeconds(), log);
            sleep(backoff);
            backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
            if (!stopping) {
                LOG.warn("restarting etcd (restart {})", restarts.incrementAndGet());
            }
        }
    }

    /** Stops supervising and the process: TERM, then KILL after 10 s. */
    void stop() {
        stopping = true;
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        thread.interrupt();
    }

    private static int waitFor(Process p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // only stop() interrupts, and it has stopped the process; keep waiting for its exit
                if (!p.isAlive()) {
                    return p.exitValue();
                }
            }
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            // stop() interrupts a back-off: the loop sees stopping
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}
