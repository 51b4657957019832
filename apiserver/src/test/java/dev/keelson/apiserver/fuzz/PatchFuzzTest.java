package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.http.ApiHandler;
import dev.keelson.apiserver.patch.ApplyConflictException;
import dev.keelson.apiserver.patch.PatchException;
import dev.keelson.apiserver.patch.ServerSideApply;
import dev.keelson.apiserver.registry.ResourceType;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Every patch type on a stored object, through the apiserver's own parsing and patch dispatch: a patch yields an
 * object or is refused with a 4xx Status. An input is the stored object as one line of JSON, a newline, then the
 * patch body exactly as a client sends it (JSON, or YAML for apply). Seeds: PatchFuzzTestInputs/METHOD/.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PatchFuzzTest {
    static {
        Contracts.warmUp(() -> {
            byte[] live = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n".getBytes();
            patch("application/json-patch+json", concat(live, "[{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]"));
            patch("application/merge-patch+json", concat(live, "{\"x\":1}"));
            patch("application/strategic-merge-patch+json", concat(live, "{\"x\":1}"));
            apply(concat(live, "kind: Pod\napiVersion: v1\nmetadata: {name: a}\n"));
        });
    }

    private static byte[] concat(byte[] a, String b) {
        byte[] tail = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(a, a.length + tail.length);
        System.arraycopy(tail, 0, out, a.length, tail.length);
        return out;
    }

    @FuzzTest
    void jsonPatch(byte[] input) {
        SlowInputs.run("jsonPatch", input, () -> patch("application/json-patch+json", input));
    }

    @FuzzTest
    void mergePatch(byte[] input) {
        SlowInputs.run("mergePatch", input, () -> patch("application/merge-patch+json", input));
    }

    @FuzzTest
    void strategicMergePatch(byte[] input) {
        SlowInputs.run("strategicMergePatch", input, () -> patch("application/strategic-merge-patch+json", input));
    }

    @FuzzTest
    void serverSideApply(byte[] input) {
        SlowInputs.run("serverSideApply", input, () -> apply(input));
    }

    private static void patch(String contentType, byte[] input) {
        Split in = Split.of(input);
        if (in == null || in.live == null) {
            return;
        }
        try {
            JsonNode patch = ApiHandler.parseJson(Buffer.buffer(in.body), false);
            Contracts.assertWritable(ApiHandler.applyPatch(contentType, in.live, patch, Contracts.typeOf(in.live)));
        } catch (ApiException | PatchException e) {
            Contracts.assertClientError(e, ApiException.class, PatchException.class);
        }
    }

    /** kubectl apply --server-side: created when nothing is stored ("null" first line), merged and owned otherwise. */
    private static void apply(byte[] input) {
        Split in = Split.of(input);
        if (in == null) {
            return;
        }
        try {
            if (!(ApiHandler.parseJson(Buffer.buffer(in.body), true) instanceof ObjectNode applied)) {
                return;
            }
            ResourceType type = in.live == null ? Contracts.typeOf(applied) : Contracts.typeOf(in.live);
            ObjectNode result;
            try {
                result = ServerSideApply.apply(in.live, applied, "kubectl", false, type.apiVersion(), type.model());
            } catch (ApplyConflictException conflict) {
                if (conflict.conflicts().isEmpty()) {
                    throw new AssertionError("a conflict must name its fields", conflict);
                }
                result = ServerSideApply.apply(in.live, applied, "kubectl", true, type.apiVersion(), type.model());
            }
            Contracts.assertWritable(result);
        } catch (ApiException | PatchException e) {
            Contracts.assertClientError(e, ApiException.class, PatchException.class);
        }
    }

    /** The stored object (null for the "null" line of an apply that creates) and the patch body. */
    private record Split(ObjectNode live, byte[] body) {
        static Split of(byte[] input) {
            int nl = 0;
            while (nl < input.length && input[nl] != '\n') {
                nl++;
            }
            if (nl == input.length) {
                return null;
            }
            String first = new String(input, 0, nl, java.nio.charset.StandardCharsets.UTF_8).trim();
            byte[] body = java.util.Arrays.copyOfRange(input, nl + 1, input.length);
            if (first.equals("null")) {
                return new Split(null, body);
            }
            ObjectNode live = Contracts.objectOrNull(first);
            if (live == null) {
                return null;
            }
            Json.meta(live); // a stored object always has its metadata (GenericStore#create)
            return new Split(live, body);
        }
    }
}
