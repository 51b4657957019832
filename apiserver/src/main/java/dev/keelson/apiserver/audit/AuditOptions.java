package dev.keelson.apiserver.audit;

import java.nio.file.Path;

/**
 * {@code --audit-policy-file} (decoded), {@code --audit-log-path} ("-" for standard output) and rotation;
 * {@code queueSize} and {@code queueBytes} bound the events waiting for the writer (more are dropped and counted).
 */
public record AuditOptions(AuditPolicy policy, Path logPath, int maxSizeMegabytes, int maxBackups, int maxAgeDays,
                           int queueSize, long queueBytes) {
    /** kube-apiserver's buffered backend holds 10,000 events; bodies are bounded here by bytes as well. */
    public static AuditOptions of(AuditPolicy policy, Path logPath, int maxSizeMegabytes, int maxBackups,
                                  int maxAgeDays) {
        return new AuditOptions(policy, logPath, maxSizeMegabytes, maxBackups, maxAgeDays, 10_000, 64L << 20);
    }

    public AuditOptions withQueue(int size, long bytes) {
        return new AuditOptions(policy, logPath, maxSizeMegabytes, maxBackups, maxAgeDays, size, bytes);
    }
}
