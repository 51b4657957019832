package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.zjsonpatch.CompatibilityFlags;
import io.fabric8.zjsonpatch.JsonPatchException;

import java.util.EnumSet;

/** RFC 6902 JSON patch ({@code application/json-patch+json}), applied with fabric8's zjsonpatch. */
public final class JsonPatch {
    private JsonPatch() {
    }

    /** Returns the patched copy of {@code doc}; the input is left untouched. */
    public static JsonNode apply(JsonNode doc, JsonNode ops) {
        if (ops == null || !ops.isArray()) {
            throw new PatchException("json patch must be a JSON array of operations");
        }
        for (JsonNode op : ops) {
            if (!op.isObject() || !op.path("op").isTextual() || !op.path("path").isTextual()) {
                throw new PatchException("invalid json patch operation (needs \"op\" and \"path\"): " + op);
            }
        }
        try {
            return io.fabric8.zjsonpatch.JsonPatch.apply(ops, doc.deepCopy(),
                    EnumSet.of(CompatibilityFlags.FORBID_REMOVE_MISSING_OBJECT));
        } catch (JsonPatchException e) {
            throw new PatchException(e.getMessage());
        } catch (RuntimeException e) {
            throw new PatchException("invalid json patch: " + e.getMessage());
        }
    }
}
