package dev.keelson.apiserver.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * metrics-server built in: every {@code resolution} it GETs {@code /metrics/resource} from every node's kubelet over
 * HTTPS, presenting the apiserver's kubelet client certificate and checking the kubelet's serving certificate against
 * the cluster CA (as for logs and exec), and hands each answer to the {@link MetricsStore}. A kubelet that does not
 * answer within the timeout, or answers with an error, loses its node's metrics until it answers twice again.
 */
public final class MetricsScraper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsScraper.class);
    /** A kubelet's answer larger than this is refused (about 30,000 containers' samples). */
    static final int MAX_BODY = 8 * 1024 * 1024;

    private final Vertx vertx;
    private final GenericStore nodes;
    private final MetricsStore store;
    private final HttpClient http;
    private final Duration resolution;
    private long timer = -1;

    public MetricsScraper(Vertx vertx, GenericStore nodes, MetricsStore store, String clientCertPem, String clientKeyPem,
                          String caPem, Duration resolution) {
        this.vertx = vertx;
        this.nodes = nodes;
        this.store = store;
        this.resolution = resolution;
        long timeout = Math.max(1000, Math.min(10_000, resolution.toMillis() - 500));
        this.http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(clientCertPem))
                        .setKeyValue(Buffer.buffer(clientKeyPem)))
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
                .setConnectTimeout((int) timeout).setIdleTimeout(60));
    }

    public void start() {
        timer = vertx.setPeriodic(1000, resolution.toMillis(), id -> scrapeAll());
    }

    void scrapeAll() {
        nodes.list(null, Options.List.ALL).whenComplete((page, err) -> {
            if (err != null) {
                LOG.debug("metrics scrape: cannot list nodes: {}", err.getMessage());
                return;
            }
            Set<String> names = new HashSet<>();
            for (ObjectNode node : page.items()) {
                String name = node.path("metadata").path("name").asText();
                names.add(name);
                scrape(name, node);
            }
            store.retainNodes(names);
        });
    }

    private void scrape(String name, ObjectNode node) {
        String ip = null;
        for (JsonNode a : node.path("status").path("addresses")) {
            if ("InternalIP".equals(a.path("type").asText())) {
                ip = a.path("address").asText();
            }
        }
        int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
        if (ip == null || port == 0) {
            store.forget(name);
            return;
        }
        long timeout = Math.max(1000, Math.min(10_000, resolution.toMillis() - 500));
        String host = ip;
        http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                        .setURI("/metrics/resource").setIdleTimeout(timeout))
                .compose(req -> req.send())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        resp.end();
                        return Future.failedFuture("the kubelet answered " + resp.statusCode());
                    }
                    // read with a bound: a kubelet that streams without end must not fill the apiserver's heap
                    io.vertx.core.Promise<Buffer> body = io.vertx.core.Promise.promise();
                    Buffer collected = Buffer.buffer();
                    resp.handler(chunk -> {
                        if (collected.length() + chunk.length() > MAX_BODY) {
                            resp.request().reset();
                            body.tryFail("the kubelet's answer is over " + MAX_BODY + " bytes");
                        } else {
                            collected.appendBuffer(chunk);
                        }
                    });
                    resp.exceptionHandler(body::tryFail);
                    resp.endHandler(v -> body.tryComplete(collected));
                    return body.future();
                })
                .onSuccess(body -> vertx.executeBlocking(() -> KubeletResourceMetrics.parse(body.toString()), false)
                        .onSuccess(m -> store.put(name, m))
                        .onFailure(e -> store.forget(name)))
                .onFailure(e -> {
                    LOG.debug("metrics scrape of node {} ({}:{}) failed: {}", name, host, port, e.getMessage());
                    store.forget(name);
                });
    }

    @Override
    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        http.close();
    }
}
