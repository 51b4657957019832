package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.Callable;

/**
 * {@code GET /keelson/v1/secrets-encrypt/status} and {@code POST /keelson/v1/secrets-encrypt/rotate}, which
 * {@code keelson secrets-encrypt} calls with the admin kubeconfig (authorized as non-resource URLs). The work reads
 * and rewrites every Secret, so it runs on a worker thread.
 */
public final class SecretsEncryptEndpoints {
    public static final String STATUS = "/keelson/v1/secrets-encrypt/status";
    public static final String ROTATE = "/keelson/v1/secrets-encrypt/rotate";

    private SecretsEncryptEndpoints() {}

    public static void register(ApiHandler handler, Vertx vertx, SecretsEncryption encryption) {
        handler.serveNonResource(STATUS, (req, user) -> run(req, vertx, HttpMethod.GET, encryption::status));
        handler.serveNonResource(ROTATE, (req, user) -> run(req, vertx, HttpMethod.POST, encryption::rotate));
    }

    private static void run(HttpServerRequest req, Vertx vertx, HttpMethod method,
                            Callable<SecretsEncryption.Status> work) {
        if (req.method() != method) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                ApiException e = ar.cause() instanceof ApiException ae ? ae
                        : ApiException.internal(String.valueOf(ar.cause().getMessage()));
                ApiHandler.sendJson(req, e.code(), e.toStatus());
                return;
            }
            SecretsEncryption.Status s = ar.result();
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("encryptionStatus", s.enabled() ? "Enabled" : "Disabled");
            body.put("configFile", s.configFile());
            body.put("activeKeyType", s.activeKeyType());
            body.put("activeKey", s.activeKey());
            body.put("secrets", s.secrets());
            body.put("secretsWithActiveKey", s.secretsWithActiveKey());
            ApiHandler.sendJson(req, 200, body);
        });
    }
}
