package dev.keelson.componentbase.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Serves /healthz and Prometheus /metrics for a component (plain HTTP on the given address). */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

    private HealthServer(HttpServer server) {
        this.server = server;
    }

    public static HealthServer start(Vertx vertx, String host, int port, PrometheusMeterRegistry registry,
                                     BooleanSupplier healthy) {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> {
            boolean ok = healthy.getAsBoolean();
            ctx.response().setStatusCode(ok ? 200 : 503).putHeader("Content-Type", "text/plain")
                    .end(ok ? "ok" : "unhealthy");
        });
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                    .await(30, TimeUnit.SECONDS);
            return new HealthServer(server);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int actualPort() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing is best effort on shutdown
        }
    }
}
