package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** ConfigMaps, Secrets and ServiceAccounts. */
public final class ConfigValidation {

    /** Kubernetes' MaxSecretSize, which also bounds a ConfigMap's data. */
    static final int MAX_SIZE = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigValidation() {
    }

    public static void configMap(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        Map<String, String> data = e.stringMap(obj, "data", FieldPath.of("data"));
        Map<String, byte[]> binary = decoded(e, obj, "binaryData");
        long total = 0;
        if (data != null) {
            for (Map.Entry<String, String> en : data.entrySet()) {
                FieldPath kp = FieldPath.of("data").key(en.getKey());
                e.invalidEach(kp, en.getKey(), Formats.configMapKey(en.getKey()));
                if (binary.containsKey(en.getKey())) {
                    e.invalid(kp, en.getKey(), "duplicate of key present in binaryData");
                }
                total += Formats.bytes(en.getValue());
            }
        }
        for (Map.Entry<String, byte[]> en : binary.entrySet()) {
            e.invalidEach(FieldPath.of("binaryData").key(en.getKey()), en.getKey(), Formats.configMapKey(en.getKey()));
            total += en.getValue().length;
        }
        if (total > MAX_SIZE) {
            e.add(FieldError.tooLong(FieldPath.root(), MAX_SIZE));
        }
    }

    public static void configMapUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        if (isImmutable(old)) {
            if (!isImmutable(obj)) {
                e.forbidden(FieldPath.of("immutable"), "field is immutable when `immutable` is set");
            }
            for (String f : new String[] {"data", "binaryData"}) {
                if (!Semantic.equal(obj.get(f), old.get(f))) {
                    e.forbidden(FieldPath.of(f), "field is immutable when `immutable` is set");
                }
            }
        }
        configMap(e, obj, namespaced);
    }

    public static void secret(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath dp = FieldPath.of("data");
        Map<String, byte[]> data = decoded(e, obj, "data");
        long total = 0;
        for (Map.Entry<String, byte[]> en : data.entrySet()) {
            e.invalidEach(dp.key(en.getKey()), en.getKey(), Formats.configMapKey(en.getKey()));
            total += en.getValue().length;
        }
        if (total > MAX_SIZE) {
            e.add(FieldError.tooLong(dp, MAX_SIZE));
        }
        String type = e.text(obj, "type", FieldPath.of("type"));
        switch (type) {
            case "kubernetes.io/service-account-token" -> {
                JsonNode annotations = ObjectNodes.child(obj, "metadata") == null ? null : obj.get("metadata").get("annotations");
                if (ObjectNodes.text(annotations, "kubernetes.io/service-account.name").isEmpty()) {
                    e.required(FieldPath.of("metadata", "annotations").key("kubernetes.io/service-account.name"), "");
                }
            }
            case "kubernetes.io/dockercfg" -> jsonKey(e, data, ".dockercfg", dp);
            case "kubernetes.io/dockerconfigjson" -> jsonKey(e, data, ".dockerconfigjson", dp);
            case "kubernetes.io/basic-auth" -> {
                if (!data.containsKey("username") && !data.containsKey("password")) {
                    e.required(dp.key("username"), "");
                    e.required(dp.key("password"), "");
                }
            }
            case "kubernetes.io/ssh-auth" -> {
                byte[] key = data.get("ssh-privatekey");
                if (key == null || key.length == 0) {
                    e.required(dp.key("ssh-privatekey"), "");
                }
            }
            case "kubernetes.io/tls" -> {
                for (String k : new String[] {"tls.crt", "tls.key"}) {
                    if (!data.containsKey(k)) {
                        e.required(dp.key(k), "");
                    }
                }
            }
            default -> {
            }
        }
    }

    public static void secretUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        String type = ObjectNodes.text(obj, "type");
        if (!type.equals(ObjectNodes.text(old, "type"))) {
            e.invalid(FieldPath.of("type"), type, "field is immutable");
        }
        if (isImmutable(old)) {
            if (!isImmutable(obj)) {
                e.forbidden(FieldPath.of("immutable"), "field is immutable when `immutable` is set");
            }
            if (!Semantic.equal(obj.get("data"), old.get("data"))) {
                e.forbidden(FieldPath.of("data"), "field is immutable when `immutable` is set");
            }
        }
        secret(e, obj, namespaced);
    }

    public static void serviceAccount(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
    }

    private static void jsonKey(Errs e, Map<String, byte[]> data, String key, FieldPath dp) {
        byte[] content = data.get(key);
        if (content == null) {
            e.required(dp.key(key), "");
            return;
        }
        try {
            JsonNode parsed = JSON.readTree(content);
            if (parsed == null || !parsed.isObject()) {
                e.invalid(dp.key(key), "<secret contents redacted>", "json: cannot unmarshal into Go value of type map[string]interface {}");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            e.invalid(dp.key(key), "<secret contents redacted>", ex.getOriginalMessage());
        } catch (IOException ex) {
            e.invalid(dp.key(key), "<secret contents redacted>", ex.getMessage());
        }
    }

    /** A map of base64-encoded values, decoded; values that are not base64 are reported (the decoder would reject them). */
    private static Map<String, byte[]> decoded(Errs e, ObjectNode obj, String field) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Map<String, String> raw = e.stringMap(obj, field, FieldPath.of(field));
        if (raw == null) {
            return out;
        }
        raw.forEach((k, v) -> {
            try {
                out.put(k, Base64.getDecoder().decode(v));
            } catch (IllegalArgumentException ex) {
                e.add(FieldError.typeInvalid(FieldPath.of(field).key(k), "<secret contents redacted>",
                        "must be base64-encoded"));
            }
        });
        return out;
    }

    private static boolean isImmutable(ObjectNode obj) {
        JsonNode n = obj == null ? null : obj.get("immutable");
        return n != null && n.isBoolean() && n.booleanValue();
    }
}
