package dev.keelson.apiserver.storage;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts an external etcd's history every interval, as kube-apiserver's compactor does
 * (k8s.io/apiserver/pkg/storage/etcd3/compact.go): each tick records the current revision under
 * {@code compact_rev_key} with a compare-and-swap on that key's version, and compacts to the revision recorded at the
 * previous tick, so at least one interval of history stays for watchers, and several apiservers on one etcd compact
 * once per interval between them (the one whose swap wins).
 */
public final class EtcdCompactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCompactor.class);
    static final ByteSequence KEY = ByteSequence.from("compact_rev_key", StandardCharsets.UTF_8);
    private final Client client;
    private final Duration deadline;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-compactor");
        t.setDaemon(true);
        return t;
    });
    private long version;
    private long revision;

    private EtcdCompactor(Client client, Duration deadline) {
        this.client = client;
        this.deadline = deadline;
    }

    /** Starts compacting every {@code interval}. */
    public static EtcdCompactor start(EtcdStorage etcd, Duration interval) {
        EtcdCompactor compactor = new EtcdCompactor(etcd.client(), etcd.deadline());
        long millis = interval.toMillis();
        compactor.timer.scheduleWithFixedDelay(compactor::tick, millis, millis, TimeUnit.MILLISECONDS);
        return compactor;
    }

    /** One tick; returns the revision compacted to, or 0 when this tick compacted nothing. */
    long tick() {
        try {
            TxnResponse r = client.getKVClient().txn()
                    .If(new Cmp(KEY, Cmp.Op.EQUAL, CmpTarget.version(version)))
                    .Then(Op.put(KEY, ByteSequence.from(Long.toString(revision), StandardCharsets.UTF_8),
                            PutOption.DEFAULT))
                    .Else(Op.get(KEY, GetOption.DEFAULT))
                    .commit().get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            long current = r.getHeader().getRevision();
            if (!r.isSucceeded()) {
                // another apiserver compacted (or the key is older than us): follow its count
                version = r.getGetResponses().get(0).getKvs().get(0).getVersion();
                revision = current;
                return 0;
            }
            long compactTo = revision;
            version++;
            revision = current;
            if (compactTo == 0) {
                return 0;
            }
            client.getKVClient().compact(compactTo).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("compacted etcd history to revision {}", compactTo);
            return compactTo;
        } catch (Exception e) {
            String why = e.getCause() != null ? e.getCause().getMessage() : e.toString();
            if (why != null && why.contains("required revision has been compacted")) {
                return 0;
            }
            LOG.warn("etcd compaction failed: {}", why);
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
