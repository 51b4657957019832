package dev.keelson.componentbase.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class LeaseRecordLockTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 11, 21, 12, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void releaseWritesAnEmptyHolderAndAOneSecondLease() {
        LeaseSpec held = LeaseRecordLock.toSpec(new LeaseSpec(),
                new LeaderElectionRecord("scheduler-a", Duration.ofSeconds(15), NOW, NOW, 3));
        LeaseSpec released = LeaseRecordLock.toSpec(held,
                new LeaderElectionRecord(null, Duration.ofSeconds(1), NOW.plusSeconds(5), NOW.plusSeconds(5), 3));
        assertEquals("", released.getHolderIdentity());
        assertEquals(1, released.getLeaseDurationSeconds());
        assertEquals(NOW.plusSeconds(5), released.getRenewTime());
        assertEquals(3, released.getLeaseTransitions());
    }

    @Test
    void recordReadsEveryLeaseField() {
        Lease lease = new LeaseBuilder().withNewSpec().withHolderIdentity("cm-1").withLeaseDurationSeconds(15)
                .withAcquireTime(NOW).withRenewTime(NOW.plusSeconds(2)).withLeaseTransitions(4).endSpec().build();
        LeaderElectionRecord record = LeaseRecordLock.toRecord(lease);
        assertEquals("cm-1", record.getHolderIdentity());
        assertEquals(Duration.ofSeconds(15), record.getLeaseDuration());
        assertEquals(NOW, record.getAcquireTime());
        assertEquals(NOW.plusSeconds(2), record.getRenewTime());
        assertEquals(4, record.getLeaderTransitions());
    }

    @Test
    void leaseWithoutTimesReadsAsExpiredInsteadOfFailing() {
        LeaderElectionRecord record = LeaseRecordLock.toRecord(new LeaseBuilder().withNewSpec()
                .withHolderIdentity("someone").endSpec().build());
        assertEquals("someone", record.getHolderIdentity());
        assertEquals(Duration.ZERO, record.getLeaseDuration());
        assertEquals(Instant.EPOCH, record.getRenewTime().toInstant());
        assertEquals(0, record.getLeaderTransitions());
    }
}
