package dev.keelson.apiserver.http;

import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.ServingLimits;
import dev.keelson.apiserver.auth.Authenticator;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * kube-apiserver's max-in-flight filter and request timeout, before any work is done for a request: at most
 * {@code --max-requests-inflight} read-only and {@code --max-mutating-requests-inflight} mutating requests are served
 * at once (the rest get 429 with Retry-After, except for system:masters, as Kubernetes does), and each is answered
 * 504 when {@code --request-timeout} passes. Long-running requests (watch, logs, exec, attach, port-forward, proxy)
 * are neither counted nor timed, as in Kubernetes' BasicLongRunningRequestCheck.
 */
public final class RequestGate {
    private static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("log", "exec", "attach", "portforward",
            "proxy");
    private final Vertx vertx;
    private final ServingLimits limits;
    private final AtomicInteger readOnly = new AtomicInteger();
    private final AtomicInteger mutating = new AtomicInteger();
    private final LoadSheddingLog shedLog;

    private final WorkerExecutor workers;

    public RequestGate(Vertx vertx, ServingLimits limits, LoadSheddingLog shedLog) {
        this.vertx = vertx;
        this.limits = limits;
        this.shedLog = shedLog;
        this.workers = vertx.createSharedWorkerExecutor("apiserver-requests", limits.workerThreads(),
                limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs a request's decoding, patching and validation on the request worker pool: a 3 MiB body or a patch takes
     * tens of milliseconds of CPU that must not stall an event loop and every connection on it. A request already
     * answered (timed out) by the time a worker picks it up is not worked on.
     */
    void offload(HttpServerRequest req, Runnable work) {
        workers.executeBlocking(() -> {
            if (!req.response().ended()) {
                work.run();
            }
            return null;
        }, false);
    }

    public void close() {
        workers.close();
    }

    static boolean longRunning(HttpServerRequest req, String[] seg) {
        if (ApiHandler.isTrue(req.getParam("watch"))) {
            return true;
        }
        for (String s : seg) {
            if ("watch".equals(s)) {
                return true;
            }
        }
        return seg.length > 0 && LONG_RUNNING_SUBRESOURCES.contains(seg[seg.length - 1]);
    }

    /**
     * Admits {@code req} or answers it 429 (null). An admitted request counts until the returned release runs (when
     * its response ends) or its connection closes, and is answered 504 if it has not ended when the timeout passes.
     */
    Runnable admit(HttpServerRequest req, Authenticator.User user, boolean longRunning) {
        if (longRunning) {
            return () -> { };
        }
        boolean isMutating = req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD;
        AtomicInteger counter = isMutating ? mutating : readOnly;
        int limit = isMutating ? limits.maxMutatingRequestsInflight() : limits.maxRequestsInflight();
        int now = counter.incrementAndGet();
        if (limit > 0 && now > limit && !user.groups().contains("system:masters")) {
            counter.decrementAndGet();
            shedLog.shed("request", (isMutating ? "mutating" : "read-only") + " requests in flight at the limit of "
                    + limit);
            req.response().putHeader("Retry-After", "1");
            // kube-apiserver answers with text, not a Status (http.Error in its maxinflight filter)
            req.response().setStatusCode(429).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .end("Too many requests, please try again later.\n");
            return null;
        }
        AtomicBoolean done = new AtomicBoolean();
        long timer = vertx.setTimer(Math.max(1, limits.requestTimeout().toMillis()), id -> {
            HttpServerResponse resp = req.response();
            if (!resp.ended() && !resp.closed()) {
                ApiException timeout = new ApiException(504, "Timeout", "Timeout: request did not complete within "
                        + "requested timeout - context deadline exceeded", null);
                // a body still arriving after the answer cannot be followed by another request: close
                boolean bodyPending = !req.isEnded();
                if (bodyPending) {
                    resp.putHeader("Connection", "close");
                }
                resp.setStatusCode(504).putHeader("Content-Type", ApiHandler.JSON)
                        .end(Buffer.buffer(Json.bytes(timeout.toStatus()))).onComplete(v -> {
                            if (bodyPending) {
                                req.connection().close();
                            }
                        });
            }
        });
        Runnable release = () -> {
            if (done.compareAndSet(false, true)) {
                counter.decrementAndGet();
                vertx.cancelTimer(timer);
            }
        };
        req.response().closeHandler(v -> release.run());
        return release;
    }
}
