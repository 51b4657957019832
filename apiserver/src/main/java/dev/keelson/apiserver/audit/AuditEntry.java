package dev.keelson.apiserver.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.audit.AuditPolicy.Level;
import dev.keelson.apiserver.audit.AuditPolicy.Stage;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * What is known of a request at one stage, captured on the request's thread without any encoding; the writer
 * thread turns it into an {@code audit.k8s.io/v1} Event line ({@link #toJson()}), so JSON work never runs on an
 * event loop.
 */
record AuditEntry(Stage stage, Level level, String auditId, String requestUri, Attributes attributes,
                  Authenticator.User user, List<String> sourceIps, String userAgent, int code, byte[] requestBody,
                  byte[] responseBody, Instant received, Instant stageTime, String decision,
                  boolean omitManagedFields) {
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Bytes this entry keeps alive while it waits for the writer. */
    long weight() {
        return 512 + (requestBody == null ? 0 : requestBody.length) + (responseBody == null ? 0 : responseBody.length);
    }

    ObjectNode toJson() {
        ObjectNode ev = Json.MAPPER.createObjectNode();
        ev.put("kind", "Event");
        ev.put("apiVersion", "audit.k8s.io/v1");
        ev.put("level", level.name());
        ev.put("auditID", auditId);
        ev.put("stage", stage.name());
        ev.put("requestURI", requestUri);
        ev.put("verb", attributes.verb());
        ObjectNode u = ev.putObject("user");
        if (user != null) {
            u.put("username", user.name());
            ArrayNode groups = u.putArray("groups");
            user.groups().forEach(groups::add);
        }
        ArrayNode ips = ev.putArray("sourceIPs");
        sourceIps.forEach(ips::add);
        if (userAgent != null) {
            ev.put("userAgent", userAgent);
        }
        if (attributes.resourceRequest()) {
            ObjectNode ref = ev.putObject("objectRef");
            ref.put("resource", attributes.resource());
            if (!attributes.namespace().isEmpty()) {
                ref.put("namespace", attributes.namespace());
            }
            String name = attributes.name();
            if (name.isEmpty() && stage != Stage.RequestReceived && "create".equals(attributes.verb())) {
                // kube completes the reference from the object: the created one (its generated name too)
                JsonNode created = parse(responseBody);
                if (created != null && !"Status".equals(created.path("kind").asText())) {
                    name = created.path("metadata").path("name").asText("");
                }
            }
            if (!name.isEmpty()) {
                ref.put("name", name);
            }
            if (!attributes.apiGroup().isEmpty()) {
                ref.put("apiGroup", attributes.apiGroup());
            }
            ref.put("apiVersion", attributes.apiVersion());
            if (attributes.subresource() != null && !attributes.subresource().isEmpty()) {
                ref.put("subresource", attributes.subresource());
            }
        }
        JsonNode response = stage == Stage.RequestReceived ? null : parse(responseBody);
        if (stage != Stage.RequestReceived) {
            ObjectNode status = ev.putObject("responseStatus");
            status.putObject("metadata");
            if (response != null && "Status".equals(response.path("kind").asText())) {
                for (String f : new String[] {"status", "message", "reason", "details"}) {
                    if (response.has(f)) {
                        status.set(f, response.get(f));
                    }
                }
            }
            status.put("code", code);
        }
        if (level.atLeast(Level.Request) && stage != Stage.RequestReceived) {
            JsonNode request = parse(requestBody);
            if (request != null) {
                ev.set("requestObject", omitManagedFields ? withoutManagedFields(request) : request);
            }
        }
        if (level.atLeast(Level.RequestResponse) && response != null) {
            ev.set("responseObject", omitManagedFields ? withoutManagedFields(response) : response);
        }
        ev.put("requestReceivedTimestamp", MICRO.format(received));
        ev.put("stageTimestamp", MICRO.format(stageTime));
        if (decision != null) {
            ev.putObject("annotations").put("authorization.k8s.io/decision", decision)
                    .put("authorization.k8s.io/reason", "");
        }
        return ev;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n != null && (n.isObject() || n.isArray()) ? n : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static JsonNode withoutManagedFields(JsonNode n) {
        if (n.isObject()) {
            JsonNode meta = n.get("metadata");
            if (meta instanceof ObjectNode m) {
                m.remove("managedFields");
            }
            JsonNode items = n.get("items");
            if (items != null && items.isArray()) {
                items.forEach(AuditEntry::withoutManagedFields);
            }
        }
        return n;
    }
}
