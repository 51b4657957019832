package dev.keelson.apiserver.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogFileTest {
    /** A clock the test moves forward by hand. */
    private static final class StepClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static byte[] line(int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) 'x');
        b[size - 1] = '\n';
        return b;
    }

    @Test
    void rotatesBeforeAWriteWouldPassMaxSizeAndKeepsMaxBackups(@TempDir Path dir) throws Exception {
        StepClock clock = new StepClock();
        Path log = dir.resolve("audit.log");
        try (AuditLogFile f = new AuditLogFile(log, 1, 2, 0, clock)) {
            for (int i = 0; i < 5; i++) {
                f.write(line(400 * 1024));
                f.write(line(400 * 1024));
                clock.now = clock.now.plusSeconds(60);
            }
            f.flush();
            List<Path> backups = f.backups();
            assertEquals(2, backups.size(), "maxbackup 2 keeps the two newest rotated files");
            assertTrue(backups.get(0).getFileName().toString().matches("audit-2026-01-01T00-0\\d-00\\.000\\.log"),
                    backups.toString());
            assertTrue(Files.size(log) <= 1024 * 1024);
            for (Path b : backups) {
                assertTrue(Files.size(b) <= 1024 * 1024, b + " " + Files.size(b));
            }
        }
    }

    @Test
    void removesBackupsOlderThanMaxAge(@TempDir Path dir) throws Exception {
        StepClock clock = new StepClock();
        Path log = dir.resolve("audit.log");
        Path old = dir.resolve("audit-2025-12-01T00-00-00.000.log");
        Path recent = dir.resolve("audit-2025-12-31T00-00-00.000.log");
        Files.writeString(old, "old\n");
        Files.writeString(recent, "recent\n");
        Files.writeString(dir.resolve("other.log"), "not ours\n");
        try (AuditLogFile f = new AuditLogFile(log, 1, 0, 7, clock)) {
            f.write(line(700 * 1024));
            f.write(line(700 * 1024));
        }
        assertTrue(Files.notExists(old), "older than 7 days");
        assertTrue(Files.exists(recent));
        assertTrue(Files.exists(dir.resolve("audit-2026-01-01T00-00-00.000.log")));
        assertTrue(Files.exists(dir.resolve("other.log")));
    }
}
