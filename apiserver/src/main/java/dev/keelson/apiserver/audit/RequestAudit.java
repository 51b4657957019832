package dev.keelson.apiserver.audit;

import dev.keelson.apiserver.audit.AuditPolicy.Decision;
import dev.keelson.apiserver.audit.AuditPolicy.Level;
import dev.keelson.apiserver.audit.AuditPolicy.Stage;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.RequestAttributes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The audit filter around the apiserver's handler, and the hooks the handler calls as a request goes (user known,
 * authorized, body read, answer sent, watch started and ended). Every request gets an {@code Audit-Id} response
 * header, as kube-apiserver sends it; with a log, the policy's level and stages decide which events are queued.
 */
public final class RequestAudit implements Handler<HttpServerRequest> {
    /** Weak keys: a request whose end is never seen (an upgraded connection) cannot leak its context. */
    private static final Map<HttpServerRequest, Context> ACTIVE =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private static final Pattern AUDIT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private final Handler<HttpServerRequest> next;
    private final AuditPolicy policy;
    private final AuditLog log;
    private final MeterRegistry metrics;

    /** {@code log} null: only the Audit-Id header. */
    public RequestAudit(Handler<HttpServerRequest> next, AuditPolicy policy, AuditLog log, MeterRegistry metrics) {
        this.next = next;
        this.policy = policy;
        this.log = log;
        this.metrics = metrics;
    }

    /** One request in flight; written by the event loop and worker threads, hence volatile. */
    private final class Context {
        final String auditId;
        final Instant received = Instant.now();
        final String uri;
        final List<String> sourceIps;
        final String userAgent;
        volatile Authenticator.User user;
        volatile Attributes attributes;
        volatile Decision decision;
        volatile boolean authorized;
        volatile byte[] requestBody;
        volatile byte[] responseBody;
        volatile boolean started;

        Context(HttpServerRequest req, String auditId) {
            this.auditId = auditId;
            this.uri = req.uri();
            this.sourceIps = sourceIps(req);
            this.userAgent = req.getHeader("User-Agent");
        }

        void emit(Stage stage, int code) {
            if (!decision.records(stage)) {
                return;
            }
            String authz = authorized ? "allow" : code == 403 ? "forbid" : null;
            log.offer(new AuditEntry(stage, decision.level(), auditId, uri, attributes, user, sourceIps, userAgent,
                    code, requestBody, responseBody, received, Instant.now(), authz, decision.omitManagedFields()));
        }

        void evaluate(HttpServerRequest req, Authenticator.User who) {
            user = who;
            attributes = RequestAttributes.of(req, who);
            decision = policy.evaluate(attributes);
            Counter.builder("apiserver_audit_level").tag("level", decision.level().name())
                    .description("Counter of policy levels for audit events (1 per request).").register(metrics)
                    .increment();
        }
    }

    @Override
    public void handle(HttpServerRequest req) {
        String given = req.getHeader("Audit-ID");
        String id = given != null && AUDIT_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        req.response().putHeader("Audit-Id", id);
        if (log == null) {
            next.handle(req);
            return;
        }
        Context ctx = new Context(req, id);
        ACTIVE.put(req, ctx);
        try {
            next.handle(req);
        } catch (RuntimeException | Error e) {
            // the handler answers its own errors; what escapes it is kube's Panic stage
            finish(req, Stage.Panic, 500);
            throw e;
        }
    }

    /** The request's user is known (it authenticated): its level is decided and RequestReceived recorded. */
    public static void authenticated(HttpServerRequest req, Authenticator.User user) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null) {
            ctx.evaluate(req, user);
            ctx.emit(Stage.RequestReceived, 0);
        }
    }

    /** The authorizers allowed the request. */
    public static void authorized(HttpServerRequest req) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null) {
            ctx.authorized = true;
        }
    }

    /** The request's body, kept (not copied) for the Request and RequestResponse levels. */
    public static void requestBody(HttpServerRequest req, Buffer body) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null && ctx.decision != null && ctx.decision.level().atLeast(Level.Request) && body != null) {
            ctx.requestBody = body.getBytes();
        }
    }

    /** The answer's JSON, for the Status of an error and, at RequestResponse, the response object. */
    public static void responseBody(HttpServerRequest req, byte[] json) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null) {
            ctx.responseBody = json;
        }
    }

    /** A long-running request (a watch) sent its headers: ResponseStarted. */
    public static void responseStarted(HttpServerRequest req, int code) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null && ctx.decision != null && !ctx.started) {
            ctx.started = true;
            ctx.emit(Stage.ResponseStarted, code);
        }
    }

    /** The request's answer is sent: ResponseComplete (a started watch completes only through {@link #watchEnded}). */
    public static void complete(HttpServerRequest req) {
        Context ctx = ACTIVE.get(req);
        if (ctx != null && !ctx.started) {
            finish(req, Stage.ResponseComplete, req.response().getStatusCode());
        }
    }

    /** A watch ended (timeout, client gone, server closing): ResponseComplete. */
    public static void watchEnded(HttpServerRequest req, int code) {
        finish(req, Stage.ResponseComplete, code);
    }

    private static void finish(HttpServerRequest req, Stage stage, int code) {
        Context ctx = ACTIVE.remove(req);
        if (ctx == null) {
            return;
        }
        if (ctx.decision == null) {
            // never authenticated (anonymous paths, 401): decided now, with no user
            ctx.evaluate(req, null);
            ctx.emit(Stage.RequestReceived, 0);
        }
        ctx.emit(stage, code);
    }

    /** kube's SourceIPs: X-Forwarded-For, X-Real-Ip, then the peer, without repeats. */
    static List<String> sourceIps(HttpServerRequest req) {
        List<String> out = new ArrayList<>();
        String xff = req.getHeader("X-Forwarded-For");
        if (xff != null) {
            for (String ip : xff.split(",")) {
                String t = ip.trim();
                if (!t.isEmpty() && out.size() < 16 && !out.contains(t)) {
                    out.add(t);
                }
            }
        }
        String real = req.getHeader("X-Real-Ip");
        if (real != null && !real.isBlank() && !out.contains(real.trim())) {
            out.add(real.trim());
        }
        if (req.remoteAddress() != null && !out.contains(req.remoteAddress().hostAddress())) {
            out.add(req.remoteAddress().hostAddress());
        }
        return out;
    }
}
