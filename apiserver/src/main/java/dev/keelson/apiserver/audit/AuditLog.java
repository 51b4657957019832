package dev.keelson.apiserver.audit;

import dev.keelson.apiserver.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log backend: a bounded queue (events and bytes) filled without blocking by request threads and drained by one
 * writer thread, as kube-apiserver's buffered backend in non-blocking mode. A full queue drops the event and counts
 * it in {@code apiserver_audit_error_total{plugin="buffered"}}; a failed write counts under {@code plugin="log"}.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private final BlockingQueue<AuditEntry> queue;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxBytes;
    private final AuditLogFile file;
    private final PrintStream stdout;
    private final Counter events;
    private final Counter dropped;
    private final Counter failed;
    private final Thread writer;
    private volatile boolean closing;

    public AuditLog(AuditOptions options, MeterRegistry metrics) {
        this.queue = new ArrayBlockingQueue<>(Math.max(1, options.queueSize()));
        this.maxBytes = options.queueBytes();
        boolean toStdout = "-".equals(options.logPath().toString());
        this.file = toStdout ? null : new AuditLogFile(options.logPath(), options.maxSizeMegabytes(),
                options.maxBackups(), options.maxAgeDays(), Clock.systemUTC());
        this.stdout = toStdout ? System.out : null;
        this.events = Counter.builder("apiserver_audit_event")
                .description("Counter of audit events generated and sent to the audit backend.").register(metrics);
        this.dropped = Counter.builder("apiserver_audit_error").tag("plugin", "buffered")
                .description("Counter of audit events that failed to be audited properly.").register(metrics);
        this.failed = Counter.builder("apiserver_audit_error").tag("plugin", "log")
                .description("Counter of audit events that failed to be audited properly.").register(metrics);
        this.writer = new Thread(this::run, "audit-log-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues an event; never blocks. False (and counted) when the queue is full. */
    boolean offer(AuditEntry entry) {
        events.increment();
        long w = entry.weight();
        if (closing || queuedBytes.addAndGet(w) > maxBytes || !queue.offer(entry)) {
            queuedBytes.addAndGet(-w);
            dropped.increment();
            return false;
        }
        return true;
    }

    private void run() {
        List<AuditEntry> batch = new ArrayList<>();
        while (true) {
            try {
                AuditEntry first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (AuditEntry e : batch) {
                    queuedBytes.addAndGet(-e.weight());
                    write(e);
                }
                batch.clear();
                flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void write(AuditEntry e) {
        try {
            byte[] json = Json.MAPPER.writeValueAsBytes(e.toJson());
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            if (file != null) {
                file.write(line);
            } else {
                stdout.write(line, 0, line.length);
            }
        } catch (IOException | RuntimeException ex) {
            failed.increment();
            LOG.warn("audit log: an event could not be written: {}", ex.getMessage());
        }
    }

    private void flush() {
        try {
            if (file != null) {
                file.flush();
            } else {
                stdout.flush();
            }
        } catch (IOException ex) {
            LOG.warn("audit log: flush failed: {}", ex.getMessage());
        }
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            LOG.warn("audit log: close failed: {}", e.getMessage());
        }
    }
}
