package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Strategy;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.Formats;
import dev.keelson.componentbase.api.Quantities;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Defaulting and validation of every built-in kind, and the format and quantity checks they use: whatever the
 * decoded object holds, validation answers with a list of field errors (422) and never throws. Seeds:
 * ValidationFuzzTestInputs/METHOD/ (objects: one kubectl-style object per file; formats and quantities: the text).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ValidationFuzzTest {
    static {
        Contracts.warmUp(() -> Contracts.RESOURCES.all().forEach(t -> {
            ObjectNode obj = Contracts.objectOrNull("{\"metadata\":{\"name\":\"a\"},\"spec\":{}}");
            t.strategy().defaults(obj);
            t.strategy().validate(obj);
        }));
    }

    /**
     * The generic store's create path up to validation (GenericStore#create, without etcd), then the same body as an
     * update and as a status update of the created object.
     */
    @FuzzTest
    void objects(byte[] input) {
        SlowInputs.run("objects", input, () -> {
            String text = Contracts.utf8(input);
            ObjectNode obj = Contracts.objectOrNull(text);
            if (obj == null) {
                return;
            }
            ResourceType type = Contracts.typeOf(obj);
            Strategy strategy = type.strategy();
            ObjectNode meta = Json.meta(obj);
            if (type.namespaced()) {
                meta.put("namespace", "default");
            } else {
                meta.remove("namespace");
            }
            obj.put("apiVersion", type.apiVersion());
            obj.put("kind", type.kind());
            strategy.defaults(obj);
            meta.put("uid", "6f1c2a4e-8f6b-4c3d-9e2a-1b2c3d4e5f60");
            meta.put("creationTimestamp", "2026-01-10T12:00:00Z");
            strategy.prepareForCreate(obj);
            checkErrors(strategy.validate(obj));
            Contracts.assertWritable(obj);

            ObjectNode update = Contracts.objectOrNull(text);
            ObjectNode updateMeta = Json.meta(update);
            for (String f : List.of("name", "namespace", "uid", "creationTimestamp")) {
                if (meta.has(f)) {
                    updateMeta.set(f, meta.get(f));
                }
            }
            update.put("apiVersion", type.apiVersion());
            update.put("kind", type.kind());
            ObjectNode statusUpdate = update.deepCopy();
            strategy.defaults(update);
            strategy.prepareForUpdate(update, obj);
            checkErrors(strategy.validateUpdate(update, obj));
            checkErrors(strategy.validateUpdate(strategy.prepareForStatusUpdate(statusUpdate, obj), obj));
        });
    }

    @FuzzTest
    void formats(byte[] input) {
        SlowInputs.run("formats", input, () -> {
            String s = Contracts.utf8(input);
            List<List<String>> results = List.of(Formats.dns1123Label(s), Formats.dns1123Subdomain(s),
                    Formats.dns1035Label(s), Formats.nameIsDnsSubdomain(s, true), Formats.nameIsDnsLabel(s, false),
                    Formats.nameIsDns1035Label(s, false), Formats.qualifiedName(s), Formats.labelValue(s),
                    Formats.configMapKey(s), Formats.envVarName(s), Formats.portName(s), Formats.percent(s),
                    Formats.httpHeaderName(s), Formats.ip(s), Formats.cidr(s));
            for (List<String> messages : results) {
                if (messages == null || messages.stream().anyMatch(m -> m == null || m.isEmpty())) {
                    throw new AssertionError("a format check of '" + s + "' answered " + messages);
                }
            }
            Formats.isIpv4(s);
            Formats.isIpv6(s);
        });
    }

    /** A quantity parses or is refused with Kubernetes' message; its canonical form parses back to the same value. */
    @FuzzTest
    void quantities(byte[] input) {
        SlowInputs.run("quantities", input, () -> {
            String s = Contracts.utf8(input);
            Quantities.Quantity q;
            try {
                q = Quantities.parseQuantity(s);
            } catch (IllegalArgumentException e) {
                if (!Quantities.FORMAT_ERROR.equals(e.getMessage()) && !Quantities.SUFFIX_ERROR.equals(e.getMessage())) {
                    throw new AssertionError("'" + s + "' refused with " + e.getMessage(), e);
                }
                return;
            }
            String canonical = q.canonical();
            BigDecimal back = Quantities.parse(canonical);
            if (back.compareTo(q.value()) != 0) {
                throw new AssertionError("'" + s + "' is " + q.value() + " but prints as " + canonical);
            }
        });
    }

    private static void checkErrors(List<FieldError> errors) {
        for (FieldError e : errors) {
            if (e.field() == null || e.message() == null || e.reason() == null) {
                throw new AssertionError("incomplete field error " + e);
            }
        }
    }
}
