package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.storage.WatchCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Serves watches from a resource's watch cache as a chunked stream of JSON events, or as WebSocket text
 * frames when the client upgrades (fabric8 tries that first). Selector-aware: an object that stops matching
 * is reported as DELETED, one that starts matching as ADDED.
 */
public final class WatchHandler {
    private static final long BOOKMARK_INTERVAL_MS = 30_000;
    private final Vertx vertx;
    private final AtomicInteger open = new AtomicInteger();
    private final Function<HttpServerRequest, Function<ObjectNode, JsonNode>> tableRenderer;
    /**
     * The object encoded last. The watch cache hands each event to every watcher in turn, so with many watchers of
     * one resource the same (never mutated) object is encoded once instead of once per watcher.
     */
    private volatile Encoded lastEncoded;

    private record Encoded(JsonNode object, String json) {}

    public WatchHandler(Vertx vertx, MeterRegistry metrics,
                        Function<HttpServerRequest, Function<ObjectNode, JsonNode>> tableRenderer) {
        this.vertx = vertx;
        this.tableRenderer = tableRenderer;
        metrics.gauge("apiserver_registered_watchers", open);
    }

    private String encode(JsonNode obj) {
        Encoded last = lastEncoded;
        if (last != null && last.object() == obj) {
            return last.json();
        }
        String json = Json.text(obj);
        lastEncoded = new Encoded(obj, json);
        return json;
    }

    /** Where events go: an HTTP chunked response or a WebSocket. */
    private interface Output {
        void write(String line);

        void end();

        boolean full();

        void onClose(Runnable r);
    }

    public void serve(HttpServerRequest req, GenericStore store, String namespace, Options.List opts) {
        ResourceType type = store.type();
        opts.fields().check(type.strategy().selectableFields());
        String rv = opts.resourceVersion();
        long timeoutSeconds = parseTimeout(req.getParam("timeoutSeconds"));
        boolean bookmarks = ApiHandler.isTrue(req.getParam("allowWatchBookmarks"));
        Function<ObjectNode, JsonNode> render = ApiHandler.wantsTable(req) ? tableRenderer.apply(req) : o -> o;
        boolean fromNow = rv == null || rv.isEmpty() || "0".equals(rv);
        long fromRevision = fromNow ? 0 : parseRevision(rv);
        String keyPrefix = type.prefix(namespace);
        WatchCache cache = store.cache();
        if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            req.toWebSocket().onSuccess(ws -> {
                dev.keelson.apiserver.audit.RequestAudit.responseStarted(req, 101);
                start(new WebSocketOutput(ws, req), store, cache, keyPrefix, opts, fromNow, fromRevision,
                        timeoutSeconds, bookmarks, render);
            }).onFailure(e -> { });
            return;
        }
        req.response().setChunked(true).putHeader("Content-Type", "application/json")
                .putHeader("Transfer-Encoding", "chunked");
        req.response().setStatusCode(200);
        // headers go out now, as kube-apiserver sends them: a client such as `kubectl wait` on an object that does
        // not change must learn at once that its watch is established, not at the first event
        req.response().writeHead();
        dev.keelson.apiserver.audit.RequestAudit.responseStarted(req, 200);
        start(new HttpOutput(req), store, cache, keyPrefix, opts, fromNow, fromRevision, timeoutSeconds, bookmarks,
                render);
    }

    private static long parseRevision(String rv) {
        try {
            return Long.parseLong(rv);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("resourceVersion: Invalid value: \"" + rv + "\": must be an integer");
        }
    }

    private static long parseTimeout(String t) {
        if (t == null || t.isEmpty()) {
            // as kube-apiserver's min-request-timeout: spread between 30 and 60 minutes
            return 1800 + ThreadLocalRandom.current().nextLong(1800);
        }
        try {
            return Math.max(1, Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("timeoutSeconds: Invalid value: \"" + t + "\": must be an integer");
        }
    }

    private void start(Output out, GenericStore store, WatchCache cache, String keyPrefix, Options.List opts,
                       boolean fromNow, long fromRevision, long timeoutSeconds, boolean bookmarks,
                       Function<ObjectNode, JsonNode> render) {
        cache.ready().whenComplete((v, err) -> {
            Stream stream = new Stream(out, store, keyPrefix, opts, render, store.type());
            open.incrementAndGet();
            try {
                if (fromNow) {
                    WatchCache.SnapshotWatch sw = cache.snapshotAndWatch(keyPrefix, stream);
                    stream.registration = sw.registration();
                    stream.sendInitial(sw.snapshot().objects());
                } else {
                    stream.registration = cache.watch(fromRevision, stream);
                    stream.sendInitial(List.of());
                }
            } catch (WatchCache.TooOldException e) {
                ObjectNode status = ApiException.gone(e.getMessage()).toStatus();
                stream.writeEvent("ERROR", status);
                stream.close();
                return;
            }
            long timer = vertx.setTimer(timeoutSeconds * 1000, id -> stream.close());
            long bookmarkTimer = bookmarks ? vertx.setPeriodic(BOOKMARK_INTERVAL_MS, id -> stream.bookmark(cache.revision()))
                    : -1;
            out.onClose(() -> {
                vertx.cancelTimer(timer);
                if (bookmarkTimer >= 0) {
                    vertx.cancelTimer(bookmarkTimer);
                }
                stream.stop();
            });
        });
    }

    /** One watcher: filters events by namespace and selectors, in order, after the initial state. */
    private final class Stream implements WatchCache.Sink {
        private final Output out;
        private final GenericStore store;
        private final String keyPrefix;
        private final Options.List opts;
        private final Function<ObjectNode, JsonNode> render;
        private final ResourceType type;
        private final List<WatchCache.Event> pending = new ArrayList<>();
        private boolean initialSent;
        private boolean stopped;
        volatile WatchCache.Registration registration;

        Stream(Output out, GenericStore store, String keyPrefix, Options.List opts, Function<ObjectNode, JsonNode> render,
               ResourceType type) {
            this.out = out;
            this.store = store;
            this.keyPrefix = keyPrefix;
            this.opts = opts;
            this.render = render;
            this.type = type;
        }

        synchronized void sendInitial(List<ObjectNode> objects) {
            for (ObjectNode o : objects) {
                if (store.matches(o, opts)) {
                    writeEvent("ADDED", o);
                }
            }
            initialSent = true;
            for (WatchCache.Event e : pending) {
                send(e);
            }
            pending.clear();
        }

        @Override
        public synchronized void onEvent(WatchCache.Event e) {
            if (stopped) {
                return;
            }
            if (!initialSent) {
                pending.add(e);
                return;
            }
            send(e);
        }

        private void send(WatchCache.Event e) {
            if (!e.key().startsWith(keyPrefix)) {
                return;
            }
            boolean now = e.type() != WatchCache.EventType.DELETED && store.matches(e.object(), opts);
            boolean before = e.oldObject() != null && store.matches(e.oldObject(), opts);
            switch (e.type()) {
                case ADDED -> {
                    if (now) {
                        writeEvent("ADDED", e.object());
                    }
                }
                case MODIFIED -> {
                    if (now && before) {
                        writeEvent("MODIFIED", e.object());
                    } else if (now) {
                        writeEvent("ADDED", e.object());
                    } else if (before) {
                        writeEvent("DELETED", e.object());
                    }
                }
                case DELETED -> {
                    if (before) {
                        writeEvent("DELETED", e.object());
                    }
                }
            }
            if (out.full()) {
                // a consumer this slow would hold every event in memory: end the watch, the client re-watches
                close();
            }
        }

        synchronized void bookmark(long revision) {
            if (stopped || !initialSent) {
                return;
            }
            ObjectNode obj = Json.MAPPER.createObjectNode();
            obj.put("kind", type.kind());
            obj.put("apiVersion", type.apiVersion());
            obj.putObject("metadata").put("resourceVersion", Long.toString(revision));
            writeRaw("BOOKMARK", obj);
        }

        void writeEvent(String kind, ObjectNode obj) {
            writeRaw(kind, "ERROR".equals(kind) ? obj : render.apply(obj));
        }

        private void writeRaw(String kind, JsonNode obj) {
            out.write("{\"type\":\"" + kind + "\",\"object\":" + encode(obj) + "}\n");
        }

        @Override
        public void onTerminated(String reason) {
            close();
        }

        synchronized void stop() {
            if (!stopped) {
                stopped = true;
                open.decrementAndGet();
                if (registration != null) {
                    registration.close();
                }
            }
        }

        void close() {
            stop();
            out.end();
        }
    }

    private static final class HttpOutput implements Output {
        private final HttpServerRequest req;

        HttpOutput(HttpServerRequest req) {
            this.req = req;
            req.response().setWriteQueueMaxSize(16 * 1024 * 1024);
        }

        @Override
        public void write(String line) {
            if (!req.response().ended() && !req.response().closed()) {
                req.response().write(Buffer.buffer(line));
            }
        }

        @Override
        public void end() {
            if (!req.response().ended() && !req.response().closed()) {
                req.response().end();
            }
        }

        @Override
        public boolean full() {
            return req.response().writeQueueFull();
        }

        @Override
        public void onClose(Runnable r) {
            Runnable done = () -> {
                r.run();
                dev.keelson.apiserver.audit.RequestAudit.watchEnded(req, 200);
            };
            req.response().closeHandler(v -> done.run());
            req.response().endHandler(v -> done.run());
            req.connection().closeHandler(v -> done.run());
        }
    }

    private static final class WebSocketOutput implements Output {
        private final ServerWebSocket ws;

        private final HttpServerRequest req;

        WebSocketOutput(ServerWebSocket ws, HttpServerRequest req) {
            this.ws = ws;
            this.req = req;
            ws.setWriteQueueMaxSize(16 * 1024 * 1024);
        }

        @Override
        public void write(String line) {
            if (!ws.isClosed()) {
                ws.writeTextMessage(line);
            }
        }

        @Override
        public void end() {
            if (!ws.isClosed()) {
                ws.close();
            }
        }

        @Override
        public boolean full() {
            return ws.writeQueueFull();
        }

        @Override
        public void onClose(Runnable r) {
            ws.closeHandler(v -> {
                r.run();
                dev.keelson.apiserver.audit.RequestAudit.watchEnded(req, 101);
            });
        }
    }
}
