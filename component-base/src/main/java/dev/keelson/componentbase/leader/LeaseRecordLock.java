package dev.keelson.componentbase.leader;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The election Lease as fabric8's LeaderElector reads and writes it, written with update (PUT on the last read
 * resourceVersion) as client-go does. fabric8's own LeaseLock writes a JSON merge patch, which cannot clear
 * holderIdentity, so its release on cancel left the old holder in the Lease; here a release empties it. It also
 * remembers when this identity last renewed, so that {@link LeaderElection} can step down in time.
 */
final class LeaseRecordLock implements Lock {
    private static final Logger log = LoggerFactory.getLogger(LeaseRecordLock.class);

    private final String namespace;
    private final String name;
    private final String identity;
    private Lease last;
    private volatile long lastRenewedNanos = System.nanoTime();

    LeaseRecordLock(String namespace, String name, String identity) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.name = Objects.requireNonNull(name, "name");
        this.identity = Objects.requireNonNull(identity, "identity");
    }

    @Override
    public synchronized LeaderElectionRecord get(KubernetesClient client) {
        last = client.leases().inNamespace(namespace).withName(name).get();
        return last == null ? null : toRecord(last);
    }

    @Override
    public synchronized void create(KubernetesClient client, LeaderElectionRecord record) {
        long sent = System.nanoTime();
        Lease lease = new LeaseBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withSpec(toSpec(new LeaseSpec(), record)).build();
        last = client.leases().inNamespace(namespace).resource(lease).create();
        renewed(record, sent);
    }

    /** Replaces the spec of the Lease last read; 409 Conflict (someone wrote since) reaches the elector as an error. */
    @Override
    public synchronized void update(KubernetesClient client, LeaderElectionRecord record) {
        Objects.requireNonNull(last, "the lease must be read before it is updated");
        long sent = System.nanoTime();
        LeaseSpec spec = last.getSpec() == null ? new LeaseSpec() : new LeaseSpecBuilder(last.getSpec()).build();
        Lease lease = new LeaseBuilder(last).withSpec(toSpec(spec, record)).build();
        last = client.leases().inNamespace(namespace).resource(lease).update();
        renewed(record, sent);
        if (record.getHolderIdentity() == null) {
            log.info("{} released lease {}/{}", identity, namespace, name);
        }
    }

    private void renewed(LeaderElectionRecord record, long sentNanos) {
        if (identity.equals(record.getHolderIdentity())) {
            lastRenewedNanos = sentNanos;
        }
    }

    /** System.nanoTime() at which the last successful write naming this identity as holder was sent. */
    long lastRenewedNanos() {
        return lastRenewedNanos;
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public String describe() {
        return "Lease " + namespace + "/" + name + " (" + identity + ")";
    }

    /**
     * The election state a Lease records. A Lease written by another client may lack fields; a missing renew time
     * reads as long past and a missing duration as zero, so such a Lease counts as expired rather than failing.
     */
    static LeaderElectionRecord toRecord(Lease lease) {
        LeaseSpec spec = lease.getSpec() == null ? new LeaseSpec() : lease.getSpec();
        ZonedDateTime longAgo = Instant.EPOCH.atZone(ZoneOffset.UTC);
        return new LeaderElectionRecord(spec.getHolderIdentity(),
                Duration.ofSeconds(spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds()),
                spec.getAcquireTime() == null ? longAgo : spec.getAcquireTime(),
                spec.getRenewTime() == null ? longAgo : spec.getRenewTime(),
                spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions());
    }

    /** Writes the record into {@code spec}; a record without holder (a release) leaves holderIdentity empty. */
    static LeaseSpec toSpec(LeaseSpec spec, LeaderElectionRecord record) {
        spec.setHolderIdentity(record.getHolderIdentity() == null ? "" : record.getHolderIdentity());
        spec.setLeaseDurationSeconds((int) record.getLeaseDuration().toSeconds());
        spec.setAcquireTime(record.getAcquireTime());
        spec.setRenewTime(record.getRenewTime());
        spec.setLeaseTransitions(record.getLeaderTransitions());
        return spec;
    }
}
