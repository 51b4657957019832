package dev.keelson.apiserver.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.http.ApiHandler;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * What every fuzz target holds the apiserver to: an input is either accepted or refused with a 4xx Status, never
 * answered by an unexpected exception (which the HTTP edge turns into a 500) and never by a result the apiserver
 * could not write back. Shared by the fuzz tests of this package.
 */
final class Contracts {
    /** The built-in resources, with the cluster settings of a default apiserver (no etcd is reached). */
    static final Resources RESOURCES = Resources.builtIn(new PodStrategy(),
            new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767));
    static final ResourceType PODS = RESOURCES.find("", "v1", "pods");

    private Contracts() {
    }

    /**
     * Loads what every target uses (logging, mappers, strategies) before fuzzing starts: under instrumentation on a
     * busy machine that takes seconds, which libFuzzer would otherwise blame on the first input as a timeout.
     */
    static void warmUp(Runnable target) {
        ApiHandler.toApiException(new IllegalArgumentException("warm-up"));
        target.run();
    }

    /**
     * Fails unless {@code thrown} is one of the {@code expected} types and the HTTP edge answers it with a 4xx
     * Status. The failure carries {@code thrown} as its cause, so the fuzzer's report shows where it came from.
     */
    @SafeVarargs
    static void assertClientError(Throwable thrown, Class<? extends Throwable>... expected) {
        boolean known = Set.of(expected).stream().anyMatch(c -> c.isInstance(thrown));
        if (!known) {
            throw new AssertionError("unexpected " + thrown.getClass().getName() + ": " + thrown.getMessage(), thrown);
        }
        ApiException answer = ApiHandler.toApiException(thrown);
        if (answer.code() < 400 || answer.code() >= 500) {
            throw new AssertionError("answered " + answer.code() + " " + answer.reason() + ": " + answer.getMessage(),
                    thrown);
        }
    }

    /** A result the apiserver accepted must serialise, as it will be written to etcd and to the client. */
    static void assertWritable(JsonNode result) {
        if (result == null) {
            throw new AssertionError("accepted input produced no object");
        }
        byte[] bytes = Json.bytes(result);
        if (bytes.length == 0) {
            throw new AssertionError("accepted input produced an empty encoding");
        }
    }

    /** The resource type of an object's kind, or pods when the kind is not a built-in one. */
    static ResourceType typeOf(JsonNode obj) {
        ResourceType t = RESOURCES.byKind(obj.path("apiVersion").asText(""), obj.path("kind").asText(""));
        return t == null ? PODS : t;
    }

    /** Parses {@code text} as the apiserver's JSON reader does; null when it is not a JSON object. */
    static ObjectNode objectOrNull(String text) {
        try {
            return ApiHandler.parseJson(Buffer.buffer(text), false) instanceof ObjectNode o ? o : null;
        } catch (ApiException e) {
            return null;
        }
    }

    static String utf8(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }
}
