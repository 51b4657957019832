package dev.keelson.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.storage.encryption.StorageTransformers;
import dev.keelson.apiserver.storage.encryption.Transformer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** The apiserver's only door to etcd: gets, ranges, compare-and-swap transactions and prefix watches. */
public final class EtcdStorage implements AutoCloseable {
    private final Client client;
    private final KV kv;
    private final MeterRegistry metrics;
    private final Duration deadline;
    /** Encryption at rest of the values of some keys (the Secrets); none until the apiserver sets it. */
    private volatile StorageTransformers transformers = StorageTransformers.NONE;

    public EtcdStorage(List<String> endpoints, MeterRegistry metrics) {
        this(endpoints, EtcdOptions.defaults(), metrics);
    }

    public EtcdStorage(List<String> endpoints, EtcdOptions options, MeterRegistry metrics) {
        // gRPC's 4 MiB default made a list of ~8,000 pods fail with RESOURCE_EXHAUSTED; Kubernetes lifts the limit too.
        ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(String[]::new))
                .maxInboundMessageSize(Integer.MAX_VALUE)
                // jetcd retries an unavailable etcd; past the call's deadline nobody waits for the answer any more
                .retryMaxDuration(options.requestTimeout());
        if (options.tls() != null) {
            try {
                builder.sslContext(options.tls()::configure);
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("cannot set up TLS to etcd: " + e.getMessage(), e);
            }
        }
        this.client = builder.build();
        this.kv = client.getKVClient();
        this.metrics = metrics;
        this.deadline = options.requestTimeout();
    }

    /** The jetcd client, for maintenance calls (compaction, defragmentation, snapshots). */
    public Client client() {
        return client;
    }

    /** Sets how values are encrypted from now on; every value written later goes through them. */
    public void setTransformers(StorageTransformers transformers) {
        this.transformers = transformers;
    }

    public StorageTransformers transformers() {
        return transformers;
    }

    /** The deadline of every etcd call. */
    public Duration deadline() {
        return deadline;
    }

    /** One stored value with its etcd revisions. */
    public record KeyValue(String key, byte[] value, long modRevision, long createRevision) {}

    /** A range read at one store revision; {@code more} when a limit cut it short. */
    /** A range's keys, the revision it was read at, whether keys beyond the limit exist, and how many keys the range has. */
    public record ListResult(List<KeyValue> items, long revision, boolean more, long count) {
        public ListResult(List<KeyValue> items, long revision, boolean more) {
            this(items, revision, more, items.size());
        }
    }

    /** A transaction's outcome: whether every condition held, and the store revision after it. */
    public record TxnResult(boolean succeeded, long revision) {}

    /** A condition of a transaction. */
    public record Condition(String key, long modRevision) {
        /** The key must not exist. */
        public static Condition absent(String key) {
            return new Condition(key, 0);
        }

        public static Condition modRevisionIs(String key, long modRevision) {
            return new Condition(key, modRevision);
        }
    }

    /** A write inside a transaction: a put when value is non-null, else a delete. */
    public record Write(String key, byte[] value) {
        /**
         * etcd's default request limit (--max-request-bytes, 1.5 MiB): refused here, before the write is sent, with
         * the error etcd gives, which kube-apiserver passes on as it is.
         */
        public static final int MAX_VALUE_BYTES = 1536 * 1024;

        public static Write put(String key, byte[] value) {
            if (value.length > MAX_VALUE_BYTES) {
                throw new ApiException(500, "", "etcdserver: request is too large", null);
            }
            return new Write(key, value);
        }

        public static Write delete(String key) {
            return new Write(key, null);
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * Every etcd call ends by its deadline: a call etcd does not answer (etcd stopped, partitioned, without quorum)
     * fails with 504 Timeout, as kube-apiserver's request context does, instead of waiting for jetcd's retries.
     */
    private <T> CompletableFuture<T> timed(String op, CompletableFuture<T> f) {
        long start = System.nanoTime();
        return f.copy().orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
            Timer.builder("etcd_request_duration_seconds").tag("operation", op).publishPercentileHistogram()
                    .register(metrics).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (e == null) {
                return r;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                f.cancel(false);
                throw timeout(op, deadline);
            }
            throw e instanceof CompletionException ce ? ce : new CompletionException(e);
        });
    }

    /** kube-apiserver's answer to a request whose context expired, naming what it waited for. */
    static ApiException timeout(String op, Duration deadline) {
        ObjectNode details = dev.keelson.apiserver.Json.MAPPER.createObjectNode().put("retryAfterSeconds", 1);
        return new ApiException(504, "Timeout", "Timeout: request did not complete within requested timeout - "
                + "context deadline exceeded (etcd did not answer a " + op + " within " + deadline.toSeconds() + "s)",
                details);
    }

    public CompletableFuture<Optional<KeyValue>> get(String key) {
        return timed("get", kv.get(bytes(key))).thenApply(r -> r.getKvs().isEmpty() ? Optional.empty()
                : Optional.of(readable(r.getKvs().get(0), false)));
    }

    /** Keys from {@code fromKey} (inclusive) up to the end of {@code prefix}, at {@code revision} (0 = latest). */
    public CompletableFuture<ListResult> range(String prefix, String fromKey, long revision, long limit) {
        return range(prefix, fromKey, revision, limit, true);
    }

    /** As {@link #range(String, String, long, long)}, the values as etcd holds them (still encrypted). */
    public CompletableFuture<ListResult> rangeStored(String prefix, String fromKey, long revision, long limit) {
        return range(prefix, fromKey, revision, limit, false);
    }

    private CompletableFuture<ListResult> range(String prefix, String fromKey, long revision, long limit,
                                                boolean decrypt) {
        GetOption.Builder opt = GetOption.builder().withRange(bytes(prefixEnd(prefix)))
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
        if (revision > 0) {
            opt.withRevision(revision);
        }
        if (limit > 0) {
            opt.withLimit(limit);
        }
        return timed("list", kv.get(bytes(fromKey == null ? prefix : fromKey), opt.build())).thenApply(r -> {
            List<KeyValue> items = new ArrayList<>(r.getKvs().size());
            r.getKvs().forEach(k -> items.add(decrypt ? readable(k, true) : toKeyValue(k)));
            return new ListResult(items, r.getHeader().getRevision(), r.isMore(), r.getCount());
        });
    }

    public CompletableFuture<Long> currentRevision() {
        return timed("revision", kv.get(bytes("/registry/"), GetOption.builder().withCountOnly(true).build()))
                .thenApply(r -> r.getHeader().getRevision());
    }

    public CompletableFuture<Long> count(String prefix) {
        return timed("count", kv.get(bytes(prefix), GetOption.builder().withRange(bytes(prefixEnd(prefix)))
                .withCountOnly(true).build())).thenApply(GetResponse::getCount);
    }

    public CompletableFuture<TxnResult> txn(List<Condition> conditions, List<Write> writes) {
        List<Cmp> cmps = new ArrayList<>();
        for (Condition c : conditions) {
            cmps.add(c.modRevision() == 0
                    ? new Cmp(bytes(c.key()), Cmp.Op.EQUAL, CmpTarget.createRevision(0))
                    : new Cmp(bytes(c.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(c.modRevision())));
        }
        List<Op> ops = new ArrayList<>();
        for (Write w : writes) {
            ops.add(w.value() == null ? Op.delete(bytes(w.key()), DeleteOption.DEFAULT)
                    : Op.put(bytes(w.key()), ByteSequence.from(stored(w.key(), w.value())), PutOption.DEFAULT));
        }
        return timed("txn", kv.txn().If(cmps.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit())
                .thenApply(r -> new TxnResult(r.isSucceeded(), r.getHeader().getRevision()));
    }

    /** Watches every key under {@code prefix} from {@code fromRevision} (inclusive), with previous values. */
    public Watch.Watcher watch(String prefix, long fromRevision, Consumer<WatchResponse> onEvents,
                               Consumer<Throwable> onError) {
        WatchOption option = WatchOption.builder().withRange(bytes(prefixEnd(prefix))).withRevision(fromRevision)
                .withPrevKV(true).withProgressNotify(true).build();
        return client.getWatchClient().watch(bytes(prefix), option, Watch.listener(onEvents, onError));
    }

    /** Asks etcd to send every watcher a progress notification carrying the current revision. */
    public void requestProgress() {
        client.getWatchClient().requestProgress();
    }

    /** A value as it is written to etcd: encrypted when its key's resource is. */
    private byte[] stored(String key, byte[] value) {
        Transformer t = transformers.forKey(key);
        if (t == null) {
            return value;
        }
        try {
            return t.toStorage(value, StorageTransformers.context(key));
        } catch (Transformer.TransformException e) {
            throw ApiException.internal(e.getMessage());
        }
    }

    /**
     * A value read from etcd or a watch, decrypted. One that cannot be decrypted is an error, as in kube-apiserver
     * (a list names the key); it is never treated as plaintext, so nothing is written back over it unread.
     */
    public KeyValue readable(io.etcd.jetcd.KeyValue kv, boolean inList) {
        KeyValue raw = toKeyValue(kv);
        Transformer t = transformers.forKey(raw.key());
        if (t == null || raw.value().length == 0) {
            return raw;
        }
        try {
            byte[] plain = t.fromStorage(raw.value(), StorageTransformers.context(raw.key())).data();
            return new KeyValue(raw.key(), plain, raw.modRevision(), raw.createRevision());
        } catch (Transformer.TransformException e) {
            throw ApiException.internal(inList ? "unable to transform key \"" + raw.key() + "\": " + e.getMessage()
                    : e.getMessage());
        }
    }

    static KeyValue toKeyValue(io.etcd.jetcd.KeyValue kv) {
        return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
                kv.getModRevision(), kv.getCreateRevision());
    }

    /** The first key after every key that starts with {@code prefix}. */
    public static String prefixEnd(String prefix) {
        char[] chars = prefix.toCharArray();
        chars[chars.length - 1]++;
        return new String(chars);
    }

    @Override
    public void close() {
        client.close();
    }
}
