package dev.keelson.kubelet.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.ExecStream;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's own server: container logs ({@code /containerLogs/ns/pod/container}), exec over WebSocket
 * ({@code /exec/ns/pod/container}, subprotocol v5.channel.k8s.io), /healthz and /metrics. The apiserver proxies
 * pods/log and pods/exec here. Runtime calls run on worker threads; the event loop only moves bytes.
 */
public final class KubeletServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubeletServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String V5 = "v5.channel.k8s.io";
    public static final String V4 = "v4.channel.k8s.io";

    private final Vertx vertx;
    private final ContainerRuntime runtime;
    private final BiFunction<String, String, Pod> pods;
    private final PrometheusMeterRegistry metrics;
    private final BooleanSupplier healthy;
    private HttpServer server;
    private Path clientCa;
    private dev.keelson.kubelet.stats.StatsRoutes stats;
    /** Exec output pumps block on their runtime connection for the whole session: their own threads, not Vert.x's. */
    private final ExecutorService execStreams = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kubelet-exec");
        t.setDaemon(true);
        return t;
    });

    /** {@code pods} finds a pod of this node by (namespace, name), or null. */
    public KubeletServer(Vertx vertx, ContainerRuntime runtime, BiFunction<String, String, Pod> pods,
                         PrometheusMeterRegistry metrics, BooleanSupplier healthy) {
        this.vertx = vertx;
        this.runtime = runtime;
        this.pods = pods;
        this.metrics = metrics;
        this.healthy = healthy;
    }

    /** Serves /stats/summary and /metrics/resource from these routes (set before {@link #start}). */
    public KubeletServer withStats(dev.keelson.kubelet.stats.StatsRoutes stats) {
        this.stats = stats;
        return this;
    }

    public int start(String host, int port, Path cert, Path key, Path clientCa) {
        this.clientCa = clientCa;
        HttpServerOptions opts = new HttpServerOptions().setHost(host).setPort(port)
                .setWebSocketSubProtocols(List.of(V5, V4, "channel.k8s.io"));
        if (cert != null) {
            opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString()));
            if (clientCa != null) {
                opts.setTrustOptions(new PemTrustOptions().addCertPath(clientCa.toString())).setClientAuth(ClientAuth.REQUIRED);
            }
        }
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> {
            boolean ok = healthy.getAsBoolean();
            ctx.response().setStatusCode(ok ? 200 : 503).putHeader("Content-Type", "text/plain").end(ok ? "ok" : "unhealthy");
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/containerLogs/:namespace/:pod/:container").handler(this::logs);
        if (stats != null) {
            stats.mount(router);
        }
        try {
            server = vertx.createHttpServer(opts)
                    .webSocketHandshakeHandler(this::handshake)
                    .webSocketHandler(this::exec)
                    .requestHandler(router)
                    .listen().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("kubelet server cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        log.info("kubelet server on {}://{}:{}", cert != null ? "https" : "http", host, server.actualPort());
        if (cert == null && !host.startsWith("127.") && !host.equals("localhost")) {
            log.warn("kubelet server runs plain HTTP without client authentication on {}: anyone who reaches it can exec"
                    + " into pods; give --tls-cert-file, --tls-private-key-file and --client-ca-file", host);
        }
        return server.actualPort();
    }

    public int port() {
        return server.actualPort();
    }

    /**
     * Serves the certificate and key now in {@code cert} and {@code key} to new connections, without a restart (a
     * rotated serving certificate); open connections keep theirs.
     */
    public void reloadTls(Path cert, Path key) {
        try {
            ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(java.nio.file.Files.readAllBytes(cert)))
                    .setKeyValue(Buffer.buffer(java.nio.file.Files.readAllBytes(key))));
            if (clientCa != null) {
                ssl.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(
                        java.nio.file.Files.readAllBytes(clientCa)))).setClientAuth(ClientAuth.REQUIRED);
            }
            server.updateSSLOptions(ssl, true).await(30, TimeUnit.SECONDS);
            log.info("kubelet server now serves the certificate in {}", cert);
        } catch (Exception e) {
            throw new IllegalStateException("cannot reload the kubelet server's certificate " + cert + ": "
                    + e.getMessage(), e);
        }
    }

    /** Finds the newest container for (namespace, pod, container); previous=true gives the one before it. */
    private ContainerRecord find(String ns, String podName, String container, boolean previous) {
        Pod pod = pods.apply(ns, podName);
        if (pod == null) {
            throw new NotFound("pods \"" + podName + "\" not found");
        }
        List<ContainerRecord> attempts = runtime.podContainers(pod.getMetadata().getUid()).stream()
                .filter(c -> !ContainerLabels.KIND_SANDBOX.equals(c.kind()) && c.containerName().equals(container))
                .sorted(Comparator.comparing(ContainerRecord::createdAt).reversed()).toList();
        int index = previous ? 1 : 0;
        if (attempts.size() <= index) {
            // the pod is there but not the container asked for: the request cannot be served (yet), as Kubernetes'
            // kubelet says with 400; 404 stays for a pod this node does not know
            throw new BadRequest(previous ? "previous terminated container \"" + container + "\" in pod \"" + podName + "\" not found"
                    : "container \"" + container + "\" in pod \"" + podName + "\" is not available");
        }
        return attempts.get(index);
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    private static int statusOf(Throwable failure) {
        return failure instanceof NotFound ? 404 : failure instanceof BadRequest ? 400 : 500;
    }

    private void logs(RoutingContext ctx) {
        String ns = ctx.pathParam("namespace");
        String podName = ctx.pathParam("pod");
        String container = ctx.pathParam("container");
        boolean follow = bool(ctx.request().getParam("follow"));
        boolean timestamps = bool(ctx.request().getParam("timestamps"));
        boolean previous = bool(ctx.request().getParam("previous"));
        Integer tail = integer(ctx.request().getParam("tailLines"));
        Integer since = integer(ctx.request().getParam("sinceSeconds"));
        HttpServerResponse resp = ctx.response();
        vertx.<ContainerRecord>executeBlocking(() -> find(ns, podName, container, previous), false).onComplete(ar -> {
            if (ar.failed()) {
                resp.setStatusCode(statusOf(ar.cause())).putHeader("Content-Type", "text/plain").end(ar.cause().getMessage());
                return;
            }
            ContainerRecord c = ar.result();
            resp.setChunked(true).putHeader("Content-Type", "text/plain");
            var options = new ContainerRuntime.LogOptions(follow, timestamps, tail != null && tail >= 0 ? tail : null,
                    since != null && since > 0 ? (int) (System.currentTimeMillis() / 1000 - since) : null);
            ContainerRuntime.LogSink sink = new ContainerRuntime.LogSink() {
                @Override
                public void write(byte[] data) {
                    if (!resp.ended() && !resp.closed()) {
                        resp.write(Buffer.buffer(data));
                    }
                }

                @Override
                public void end() {
                    if (!resp.ended() && !resp.closed()) {
                        resp.end();
                    }
                }
            };
            vertx.<Closeable>executeBlocking(() -> runtime.streamLogs(c.id(), options, sink), false).onSuccess(stream -> {
                resp.closeHandler(v -> closeQuietly(stream));
                if (resp.closed()) {
                    closeQuietly(stream);
                }
            });
        });
    }

    private static void closeQuietly(Closeable stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // the client went away: nothing left to tell it
        }
    }

    private void handshake(ServerWebSocketHandshake hs) {
        if (!hs.path().startsWith("/exec/") && !hs.path().startsWith("/attach/")) {
            hs.reject(404);
            return;
        }
        hs.accept();
    }

    /** Exec: frames carry a channel byte (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close). */
    private void exec(ServerWebSocket ws) {
        String[] parts = ws.path().split("/");
        if (parts.length != 5) {
            closeWithStatus(ws, failure("Failure", "BadRequest", "expected /exec/{namespace}/{pod}/{container}", null));
            return;
        }
        String ns = parts[2];
        String podName = parts[3];
        String container = parts[4];
        io.vertx.core.MultiMap q = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
        io.netty.handler.codec.http.QueryStringDecoder dec = new io.netty.handler.codec.http.QueryStringDecoder(ws.uri());
        dec.parameters().forEach(q::add);
        List<String> command = q.getAll("command");
        boolean stdin = bool(q.get("stdin"));
        boolean stdout = q.get("stdout") == null || bool(q.get("stdout"));
        boolean stderr = q.get("stderr") == null || bool(q.get("stderr"));
        boolean tty = bool(q.get("tty"));
        boolean v5 = V5.equals(ws.subProtocol());
        ws.pause();
        vertx.<ExecSession>executeBlocking(() -> {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("you must specify at least 1 command");
            }
            ContainerRecord c = find(ns, podName, container, false);
            if (!c.running()) {
                throw new IllegalStateException("container " + container + " is not running");
            }
            return new ExecSession(runtime.createExec(c.id(), command, stdin, stdout, stderr && !tty, tty));
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                String reason = switch (statusOf(ar.cause())) {
                    case 404 -> "NotFound";
                    case 400 -> "BadRequest";
                    default -> "InternalError";
                };
                closeWithStatus(ws, failure("Failure", reason, ar.cause().getMessage(), null));
                return;
            }
            ar.result().run(ws, stdin, tty, v5);
        });
    }

    private final class ExecSession {
        final String execId;
        /** Keeps stdin writes in order and off the event loop. */
        final ExecutorService stdinWriter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kubelet-exec-stdin");
            t.setDaemon(true);
            return t;
        });
        volatile ExecStream stream;

        ExecSession(String execId) {
            this.execId = execId;
        }

        void run(ServerWebSocket ws, boolean stdin, boolean tty, boolean v5) {
            java.util.concurrent.CompletableFuture<ExecStream> started = new java.util.concurrent.CompletableFuture<>();
            ws.binaryMessageHandler(buf -> {
                if (buf.length() == 0) {
                    return;
                }
                int channel = buf.getByte(0) & 0xff;
                if (channel == 0 && stdin) {
                    byte[] bytes = buf.getBytes(1, buf.length());
                    stdinWriter.execute(() -> {
                        try {
                            started.join().writeStdin(bytes);
                        } catch (IOException | RuntimeException e) {
                            log.debug("exec {}: stdin write failed: {}", execId, e.getMessage());
                        }
                    });
                } else if (channel == 4) {
                    resize(buf.getString(1, buf.length()));
                } else if (channel == 255 && v5 && buf.length() > 1 && buf.getByte(1) == 0) {
                    stdinWriter.execute(() -> closeStdin(started));
                }
            });
            ws.closeHandler(v -> {
                stdinWriter.execute(() -> closeStdin(started));
                ExecStream s = stream;
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // the client is gone: nothing to report to
                    }
                }
            });
            ws.resume();
            execStreams.execute(() -> {
                long code;
                try (ExecStream exec = runtime.startExec(execId, tty)) {
                    stream = exec;
                    started.complete(exec);
                    if (!stdin) {
                        exec.closeStdin();
                    }
                    ExecStream.Chunk chunk;
                    while ((chunk = exec.read()) != null) {
                        byte[] data = chunk.data();
                        Buffer out = Buffer.buffer(data.length + 1).appendByte((byte) chunk.stream()).appendBytes(data);
                        if (!ws.isClosed()) {
                            ws.writeBinaryMessage(out);
                        }
                    }
                    Long c = runtime.execExitCode(execId);
                    code = c == null ? 0 : c;
                } catch (Exception e) {
                    started.completeExceptionally(e);
                    closeWithStatus(ws, failure("Failure", "InternalError", e.getMessage(), null));
                    return;
                } finally {
                    stdinWriter.shutdown();
                }
                if (code == 0) {
                    closeWithStatus(ws, Map.of("metadata", Map.of(), "status", "Success"));
                } else {
                    closeWithStatus(ws, failure("Failure", "NonZeroExitCode",
                            "command terminated with non-zero exit code: exit status " + code, code));
                }
            });
        }

        private void resize(String json) {
            try {
                var node = JSON.readTree(json);
                int w = node.path("Width").asInt(80);
                int h = node.path("Height").asInt(24);
                execStreams.execute(() -> {
                    try {
                        runtime.resizeExec(execId, h, w);
                    } catch (RuntimeException e) {
                        log.debug("exec {}: resize failed: {}", execId, e.getMessage());
                    }
                });
            } catch (IOException e) {
                log.debug("bad resize message {}: {}", json, e.getMessage());
            }
        }

        private void closeStdin(java.util.concurrent.CompletableFuture<ExecStream> started) {
            try {
                started.join().closeStdin();
            } catch (IOException | RuntimeException e) {
                log.debug("exec {}: closing stdin failed: {}", execId, e.getMessage());
            }
        }
    }

    private static Map<String, Object> failure(String status, String reason, String message, Long exitCode) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("metadata", Map.of());
        m.put("status", status);
        m.put("message", message);
        m.put("reason", reason);
        if (exitCode != null) {
            m.put("details", Map.of("causes", List.of(Map.of("reason", "ExitCode", "message", exitCode.toString()))));
        }
        return m;
    }

    private static void closeWithStatus(ServerWebSocket ws, Map<String, Object> status) {
        try {
            byte[] json = JSON.writeValueAsBytes(status);
            if (!ws.isClosed()) {
                ws.resume();
                ws.writeBinaryMessage(Buffer.buffer(json.length + 1).appendByte((byte) 3).appendBytes(json))
                        .onComplete(v -> ws.close());
            }
        } catch (IOException e) {
            ws.close();
        }
    }

    private static boolean bool(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    private static Integer integer(String v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void close() {
        execStreams.shutdownNow();
        if (stats != null) {
            stats.close();
        }
        if (server != null) {
            try {
                server.close().await(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort on shutdown
            }
        }
    }
}
