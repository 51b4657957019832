package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * pods/log and pods/exec: the apiserver finds the pod's node and its kubelet endpoint and proxies the request
 * to the kubelet, as kube-apiserver does.
 */
public final class KubeletProxy {
    /** WebSocket subprotocols of the Kubernetes streaming protocol, newest first. */
    public static final List<String> STREAM_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io",
            "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io");

    private final Resources resources;
    private final Map<ResourceType, GenericStore> stores;
    private final HttpClient http;
    private final WebSocketClient webSockets;

    /**
     * Kubelets are reached over HTTPS only. The apiserver presents {@code clientCertPem} (a cluster-CA client
     * certificate) and accepts a kubelet's serving certificate only if {@code caPem} signed it for the node's
     * address.
     */
    public KubeletProxy(Vertx vertx, Resources resources, Map<ResourceType, GenericStore> stores, String clientCertPem,
                        String clientKeyPem, String caPem) {
        this.resources = resources;
        this.stores = stores;
        PemKeyCertOptions clientCert = new PemKeyCertOptions().setCertValue(Buffer.buffer(clientCertPem))
                .setKeyValue(Buffer.buffer(clientKeyPem));
        PemTrustOptions trust = new PemTrustOptions().addCertValue(Buffer.buffer(caPem));
        this.http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
                .setKeyCertOptions(clientCert).setTrustOptions(trust).setConnectTimeout(10_000));
        this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
                .setKeyCertOptions(clientCert).setTrustOptions(trust).setConnectTimeout(10_000)
                .setMaxMessageSize(16 * 1024 * 1024));
    }

    /** The kubelet that runs a pod: its node, address and port, and the container asked for. */
    record Target(String node, String host, int port, String container, ObjectNode pod) {}

    CompletableFuture<Target> target(ApiRequest api, GenericStore pods, String container) {
        return pods.get(api.namespace(), api.name()).thenCompose(pod -> {
            String node = pod.path("spec").path("nodeName").asText("");
            if (node.isEmpty()) {
                throw ApiException.badRequest("pod " + api.name() + " does not have a host assigned");
            }
            List<String> names = new ArrayList<>();
            for (String field : List.of("initContainers", "containers", "ephemeralContainers")) {
                pod.path("spec").path(field).forEach(c -> names.add(c.path("name").asText()));
            }
            String c = container;
            if (c == null || c.isEmpty()) {
                JsonNode containers = pod.path("spec").path("containers");
                if (containers.size() != 1) {
                    String def = pod.path("metadata").path("annotations").path("kubectl.kubernetes.io/default-container")
                            .asText("");
                    if (def.isEmpty()) {
                        List<String> app = new ArrayList<>();
                        containers.forEach(x -> app.add(x.path("name").asText()));
                        throw ApiException.badRequest("a container name must be specified for pod " + api.name()
                                + ", choose one of: " + app);
                    }
                    c = def;
                } else {
                    c = containers.get(0).path("name").asText();
                }
            }
            if (!names.contains(c)) {
                throw ApiException.badRequest("container " + c + " is not valid for pod " + api.name());
            }
            String containerName = c;
            GenericStore nodes = stores.get(resources.find("", "v1", "nodes"));
            return nodes.get(null, node).thenApply(n -> {
                String ip = null;
                for (JsonNode a : n.path("status").path("addresses")) {
                    if ("InternalIP".equals(a.path("type").asText())) {
                        ip = a.path("address").asText();
                    }
                }
                int port = n.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
                if (ip == null || port == 0) {
                    throw ApiException.serviceUnavailable("node " + node + " has no kubelet endpoint registered");
                }
                return new Target(node, ip, port, containerName, pod);
            });
        });
    }

    /** GET pods/{name}/log: the kubelet's container log, streamed back as it arrives (follow keeps it open). */
    void logs(HttpServerRequest req, ApiRequest api, GenericStore pods, ApiHandler handler) {
        if (req.method() != HttpMethod.GET) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        String query = logQuery(req, api.name());
        target(api, pods, req.getParam("container")).whenComplete((t, err) -> {
            if (err != null) {
                handler.sendError(req, err);
                return;
            }
            String uri = "/containerLogs/" + api.namespace() + "/" + api.name() + "/" + t.container() + query;
            http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(t.host()).setPort(t.port()).setURI(uri))
                    .compose(r -> r.send())
                    .onFailure(e -> handler.sendError(req, unreachable(t, uri, e)))
                    .onSuccess(upstream -> relayLog(req, upstream, t, handler));
        });
    }

    private void relayLog(HttpServerRequest req, HttpClientResponse upstream, Target t, ApiHandler handler) {
        if (upstream.statusCode() != 200) {
            upstream.body().onComplete(ar -> {
                String message = ar.succeeded() ? ar.result().toString(StandardCharsets.UTF_8).trim() : "";
                if (message.isEmpty()) {
                    message = "the kubelet on node " + t.node() + " answered " + upstream.statusCode();
                }
                // as Kubernetes: the kubelet's 400 (the container has not started, no previous one) and 404 (a pod
                // it does not know, e.g. one deleted meanwhile) reach the user as they are; anything else is ours
                int code = upstream.statusCode();
                String reason = code == 400 ? "BadRequest" : code == 404 ? "NotFound" : "InternalError";
                handler.sendError(req, new ApiException(code == 400 || code == 404 ? code : 500, reason, message, null));
            });
            return;
        }
        var resp = req.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain");
        resp.closeHandler(v -> upstream.request().reset());
        upstream.pipeTo(resp);
    }

    /** The kubelet's query for a pods/log request, with PodLogOptions validated as Kubernetes validates them. */
    static String logQuery(HttpServerRequest req, String pod) {
        List<String> params = new ArrayList<>();
        for (String flag : List.of("follow", "previous", "timestamps")) {
            if (ApiHandler.isTrue(req.getParam(flag))) {
                params.add(flag + "=true");
            }
        }
        Long tail = nonNegative(req, "tailLines", 0, pod);
        if (tail != null) {
            params.add("tailLines=" + tail);
        }
        Long limit = nonNegative(req, "limitBytes", 1, pod);
        if (limit != null) {
            params.add("limitBytes=" + limit);
        }
        Long since = nonNegative(req, "sinceSeconds", 1, pod);
        String sinceTime = req.getParam("sinceTime");
        if (since != null && sinceTime != null) {
            throw invalidLogOptions(pod, "sinceSeconds", "at most one of `sinceTime` or `sinceSeconds` may be specified");
        }
        if (sinceTime != null) {
            try {
                // the kubelet takes seconds; round up so that nothing after sinceTime is lost
                long seconds = Duration.between(Instant.parse(sinceTime), Instant.now()).toSeconds() + 1;
                since = Math.max(1, seconds);
            } catch (DateTimeParseException e) {
                throw invalidLogOptions(pod, "sinceTime", "Invalid value: \"" + sinceTime + "\": must be RFC 3339");
            }
        }
        if (since != null) {
            params.add("sinceSeconds=" + since);
        }
        return params.isEmpty() ? "" : "?" + String.join("&", params);
    }

    private static Long nonNegative(HttpServerRequest req, String name, long min, String pod) {
        String raw = req.getParam(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw invalidLogOptions(pod, name, "Invalid value: \"" + raw + "\": must be an integer");
        }
        if (value < min) {
            throw invalidLogOptions(pod, name, "Invalid value: " + value + ": must be greater than "
                    + (min == 0 ? "or equal to 0" : "0"));
        }
        return value;
    }

    private static ApiException invalidLogOptions(String pod, String field, String message) {
        return ApiException.badRequest("PodLogOptions \"" + pod + "\" is invalid: " + field + ": " + message);
    }

    /**
     * pods/{name}/exec over WebSocket (what kubectl 1.32 tries first): the target is resolved before the upgrade
     * so that a missing pod or container is an ordinary error Status; then the client's and the kubelet's
     * WebSockets are joined message by message (each message starts with its channel byte).
     */
    void exec(HttpServerRequest req, ApiRequest api, GenericStore pods, ApiHandler handler,
              java.util.function.Supplier<CompletableFuture<Void>> admit) {
        if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            // SPDY, the older streaming protocol, is not served: kubectl 1.32 speaks WebSocket first.
            throw ApiException.badRequest("Upgrade request required: pods/exec is served over WebSocket "
                    + "(Sec-WebSocket-Protocol " + String.join(", ", STREAM_PROTOCOLS) + ")");
        }
        List<String> command = req.params().getAll("command");
        if (command.isEmpty()) {
            throw ApiException.badRequest("you must specify at least 1 command");
        }
        String offered = req.getHeader("Sec-WebSocket-Protocol");
        List<String> protocols = offered == null ? List.of() : List.of(offered.split("\\s*,\\s*"));
        if (protocols.stream().noneMatch(STREAM_PROTOCOLS::contains)) {
            throw ApiException.badRequest("pods/exec needs one of the WebSocket subprotocols "
                    + String.join(", ", STREAM_PROTOCOLS));
        }
        StringBuilder query = new StringBuilder();
        for (String c : command) {
            query.append(query.length() == 0 ? "?" : "&").append("command=")
                    .append(URLEncoder.encode(c, StandardCharsets.UTF_8));
        }
        for (String flag : List.of("stdin", "stdout", "stderr", "tty")) {
            String v = req.getParam(flag);
            if (v != null) {
                query.append('&').append(flag).append('=').append(ApiHandler.isTrue(v));
            }
        }
        req.pause();
        admit.get().thenCompose(v -> target(api, pods, req.getParam("container"))).whenComplete((t, err) -> {
            if (err != null) {
                req.resume();
                handler.sendError(req, err);
                return;
            }
            String uri = "/exec/" + api.namespace() + "/" + api.name() + "/" + t.container() + query;
            webSockets.connect(new WebSocketConnectOptions().setHost(t.host()).setPort(t.port()).setURI(uri)
                            .setSubProtocols(protocols))
                    .onFailure(e -> {
                        req.resume();
                        handler.sendError(req, unreachable(t, uri, e));
                    })
                    .onSuccess(upstream -> req.toWebSocket()
                            .onSuccess(client -> join(client, upstream))
                            .onFailure(e -> upstream.close()));
        });
    }

    private static void join(ServerWebSocket client, WebSocket upstream) {
        client.binaryMessageHandler(upstream::writeBinaryMessage);
        client.textMessageHandler(upstream::writeTextMessage);
        upstream.binaryMessageHandler(client::writeBinaryMessage);
        upstream.textMessageHandler(client::writeTextMessage);
        client.closeHandler(v -> upstream.close());
        upstream.closeHandler(v -> {
            Short code = upstream.closeStatusCode();
            if (code != null) {
                client.close(code, upstream.closeReason());
            } else {
                client.close();
            }
        });
        client.exceptionHandler(e -> upstream.close());
        upstream.exceptionHandler(e -> client.close());
    }

    private static ApiException unreachable(Target t, String uri, Throwable e) {
        return ApiException.internal("error dialing the kubelet of node " + t.node() + ": https://" + t.host() + ":"
                + t.port() + uri.replaceAll("\\?.*", "") + ": " + e.getMessage());
    }

    public void close() {
        http.close();
        webSockets.close();
    }
}
