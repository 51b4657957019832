package dev.keelson.apiserver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * `keelson server`'s care of its embedded etcd: scheduled snapshots with retention (k3s's
 * {@code --etcd-snapshot-schedule-cron} and {@code --etcd-snapshot-retention}, here an interval) and periodic
 * defragmentation, which gives back the space compaction frees in etcd's database file (etcd never shrinks it by
 * itself, and a database at its quota makes etcd refuse every write).
 */
public final class EtcdMaintenance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdMaintenance.class);
    /** Defragment once this share of the database file is free space. */
    private static final double FRAGMENTED = 0.25;
    private static final long MIN_FREE_BYTES = 8L * 1024 * 1024;

    /** What to schedule; an interval of zero turns that job off. */
    public record Schedule(Duration snapshotInterval, int snapshotRetention, Path snapshotDir, String node,
                           Duration defragInterval) {}

    private final Client client;
    private final String endpoint;
    private final Schedule schedule;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-maintenance");
        t.setDaemon(true);
        return t;
    });

    public EtcdMaintenance(Client client, String endpoint, Schedule schedule) {
        this.client = client;
        this.endpoint = endpoint;
        this.schedule = schedule;
    }

    public EtcdMaintenance start() {
        long snap = schedule.snapshotInterval().toMillis();
        if (snap > 0) {
            timer.scheduleWithFixedDelay(this::scheduledSnapshot, snap, snap, TimeUnit.MILLISECONDS);
        }
        long defrag = schedule.defragInterval().toMillis();
        if (defrag > 0) {
            timer.scheduleWithFixedDelay(this::defragmentIfFragmented, defrag, defrag, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void scheduledSnapshot() {
        try {
            EtcdSnapshots.Snapshot s = EtcdSnapshots.save(client, schedule.snapshotDir(), EtcdSnapshots.SCHEDULED,
                    schedule.node());
            LOG.info("etcd snapshot {} saved ({} bytes)", s.file(), s.size());
            EtcdSnapshots.prune(schedule.snapshotDir(), schedule.snapshotRetention())
                    .forEach(old -> LOG.info("etcd snapshot {} removed (retention {})", old.file(),
                            schedule.snapshotRetention()));
        } catch (RuntimeException e) {
            LOG.warn("scheduled etcd snapshot failed: {}", e.getMessage());
        }
    }

    /** The database file's size and the part of it in use, in bytes. */
    public record DbSize(long size, long inUse) {}

    public DbSize dbSize() throws Exception {
        StatusResponse s = client.getMaintenanceClient().statusMember(endpoint).get(30, TimeUnit.SECONDS);
        return new DbSize(s.getDbSize(), s.getDbSizeInUse());
    }

    /** Defragments when enough of the file is free; returns the sizes before and after (equal when skipped). */
    public DbSize[] defragmentIfFragmented() {
        try {
            DbSize before = dbSize();
            long free = before.size() - before.inUse();
            if (free < MIN_FREE_BYTES || free < before.size() * FRAGMENTED) {
                return new DbSize[] {before, before};
            }
            return new DbSize[] {before, defragment()};
        } catch (Exception e) {
            LOG.warn("etcd defragmentation failed: {}", e.getMessage());
            return null;
        }
    }

    /** Defragments now (etcd blocks its requests meanwhile: milliseconds to seconds per hundred MB). */
    public DbSize defragment() throws Exception {
        DbSize before = dbSize();
        client.getMaintenanceClient().defragmentMember(endpoint).get(5, TimeUnit.MINUTES);
        DbSize after = dbSize();
        LOG.info("etcd defragmented: database {} -> {} bytes ({} in use)", before.size(), after.size(), after.inUse());
        return after;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
