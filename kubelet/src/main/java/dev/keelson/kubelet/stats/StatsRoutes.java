package dev.keelson.kubelet.stats;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The kubelet server's resource usage endpoints: {@code /stats/summary} (stats/v1alpha1 JSON) and
 * {@code /metrics/resource} (Prometheus text). Collection reads files and lists the runtime's containers, so it runs
 * on one thread of its own, one collection at a time (scrapers arriving together do not multiply the cost).
 */
public final class StatsRoutes implements AutoCloseable {
    private final Vertx vertx;
    private final StatsCollector collector;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kubelet-stats");
        t.setDaemon(true);
        return t;
    });

    public StatsRoutes(Vertx vertx, StatsCollector collector) {
        this.vertx = vertx;
        this.collector = collector;
    }

    public void mount(Router router) {
        router.get("/stats/summary").handler(ctx -> serve(ctx, "application/json",
                s -> SummaryJson.render(s).toPrettyString()));
        router.get("/metrics/resource").handler(ctx -> serve(ctx, "text/plain; version=0.0.4; charset=utf-8",
                ResourceMetrics::render));
    }

    private void serve(RoutingContext ctx, String contentType, Function<Summary, String> render) {
        io.vertx.core.Context context = vertx.getOrCreateContext();
        thread.execute(() -> {
            String body;
            int status;
            try {
                body = render.apply(collector.collect());
                status = 200;
            } catch (RuntimeException e) {
                body = "failed to get stats: " + e.getMessage();
                status = 500;
            }
            String b = body;
            int st = status;
            context.runOnContext(v -> {
                if (!ctx.response().closed()) {
                    ctx.response().setStatusCode(st).putHeader("Content-Type", st == 200 ? contentType : "text/plain")
                            .end(b);
                }
            });
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
