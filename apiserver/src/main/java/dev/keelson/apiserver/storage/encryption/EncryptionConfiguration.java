package dev.keelson.apiserver.storage.encryption;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Kube-apiserver's EncryptionConfiguration file ({@code apiserver.config.k8s.io/v1}, or the legacy {@code v1}
 * {@code EncryptionConfig}): which resources are encrypted by which ordered providers and keys. Decoded and
 * validated with kube-apiserver's messages; KMS providers are refused (Keelson has no KMS plugin client).
 */
public record EncryptionConfiguration(List<ResourceConfiguration> resources) {
    public static final String API_VERSION = "apiserver.config.k8s.io/v1";
    public static final String KIND = "EncryptionConfiguration";
    /** The providers whose names this decoder knows, in kube-apiserver's order of validation. */
    static final List<String> PROVIDERS = List.of("kms", "aesgcm", "aescbc", "secretbox", "identity");
    private static final ObjectMapper YAML = new YAMLMapper();

    /** One entry of {@code resources}: the resources it covers and their providers, the first writing. */
    public record ResourceConfiguration(List<String> resources, List<Provider> providers) {}

    /** One provider: its type ({@code aescbc}, {@code aesgcm}, {@code secretbox}, {@code identity}) and keys. */
    public record Provider(String type, List<Key> keys) {
        public static Provider identity() {
            return new Provider("identity", List.of());
        }
    }

    /** A named key; {@code secret} is base64 of the key's bytes. */
    public record Key(String name, String secret) {
        public byte[] bytes() {
            return Base64.getDecoder().decode(secret);
        }
    }

    /** A file that cannot be decoded or does not validate; the message is kube-apiserver's. */
    public static final class InvalidConfigException extends Exception {
        public InvalidConfigException(String message) {
            super(message);
        }
    }

    /** Decodes (YAML or JSON) and validates a configuration. */
    public static EncryptionConfiguration decode(byte[] data) throws InvalidConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(data);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigException("couldn't decode: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidConfigException("couldn't get version/kind; json parse error: the file is not an object");
        }
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (kind.isEmpty()) {
            throw new InvalidConfigException("Object 'Kind' is missing");
        }
        boolean current = API_VERSION.equals(apiVersion) && KIND.equals(kind);
        // kube registers the type a second time under the core v1 group as EncryptionConfig (an old docs bug)
        boolean legacy = "v1".equals(apiVersion) && "EncryptionConfig".equals(kind);
        if (!current && !legacy) {
            throw new InvalidConfigException("no kind \"" + kind + "\" is registered for version \"" + apiVersion
                    + "\"");
        }
        EncryptionConfiguration config = read(root);
        List<String> errors = validate(config);
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]");
        }
        return config;
    }

    private static EncryptionConfiguration read(JsonNode root) throws InvalidConfigException {
        List<ResourceConfiguration> out = new ArrayList<>();
        for (JsonNode rc : list(root.get("resources"), "resources")) {
            if (!rc.isObject()) {
                throw new InvalidConfigException("resources: each entry must be an object");
            }
            List<String> names = new ArrayList<>();
            for (JsonNode n : list(rc.get("resources"), "resources[].resources")) {
                if (!n.isTextual()) {
                    throw new InvalidConfigException("resources[].resources: each entry must be a string");
                }
                names.add(n.asText());
            }
            List<Provider> providers = new ArrayList<>();
            for (JsonNode p : list(rc.get("providers"), "resources[].providers")) {
                if (!p.isObject()) {
                    throw new InvalidConfigException("resources[].providers: each entry must be an object");
                }
                providers.add(provider((ObjectNode) p));
            }
            out.add(new ResourceConfiguration(names, providers));
        }
        return new EncryptionConfiguration(out);
    }

    /** A provider entry; several provider names in one entry are kept as a type "a,b" and refused by validation. */
    private static Provider provider(ObjectNode p) throws InvalidConfigException {
        List<String> types = new ArrayList<>();
        List<Key> keys = new ArrayList<>();
        for (String type : PROVIDERS) {
            JsonNode body = p.get(type);
            if (body == null || body.isNull()) {
                continue;
            }
            types.add(type);
            if (!body.isObject()) {
                throw new InvalidConfigException("resources[].providers[]." + type + ": must be an object");
            }
            if (!"identity".equals(type) && !"kms".equals(type)) {
                for (JsonNode k : list(body.get("keys"), type + ".keys")) {
                    if (!k.isObject()) {
                        throw new InvalidConfigException(type + ".keys: each key must be an object");
                    }
                    keys.add(new Key(k.path("name").asText(""), k.path("secret").asText("")));
                }
            }
        }
        return new Provider(String.join(",", types), keys);
    }

    private static List<JsonNode> list(JsonNode node, String field) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidConfigException(field + ": must be a list");
        }
        List<JsonNode> out = new ArrayList<>();
        node.forEach(out::add);
        return out;
    }

    /** kube-apiserver's ValidateEncryptionConfiguration, one "path: reason" per error. */
    static List<String> validate(EncryptionConfiguration c) {
        List<String> errs = new ArrayList<>();
        if (c.resources().isEmpty()) {
            errs.add("resources: Required value: at least one resources is required");
            return errs;
        }
        for (int i = 0; i < c.resources().size(); i++) {
            ResourceConfiguration rc = c.resources().get(i);
            String r = "resources[" + i + "].resources";
            String p = "resources[" + i + "].providers";
            if (rc.resources().isEmpty()) {
                errs.add(r + ": Required value: at least one " + r + " is required");
            }
            validateResourceOverlap(rc.resources(), r, errs);
            validateResourceNames(rc.resources(), r, errs);
            if (rc.providers().isEmpty()) {
                errs.add(p + ": Required value: at least one " + p + " is required");
            }
            for (int j = 0; j < rc.providers().size(); j++) {
                Provider provider = rc.providers().get(j);
                String path = p + "[" + j + "]";
                if (provider.type().isEmpty()) {
                    errs.add(path + ": Invalid value: provider does not contain any of the expected providers: "
                            + "KMS, AESGCM, AESCBC, Secretbox, Identity");
                    continue;
                }
                if (provider.type().contains(",")) {
                    errs.add(path + ": Invalid value: more than one provider specified in a single element, "
                            + "should split into different list elements");
                    continue;
                }
                switch (provider.type()) {
                    case "kms" -> errs.add(path + ".kms: Unsupported value: KMS providers are not supported by "
                            + "Keelson: use aescbc, aesgcm or secretbox");
                    case "aesgcm", "aescbc" -> validateKeys(provider.keys(), path + "." + provider.type() + ".keys",
                            List.of(16, 24, 32), errs);
                    case "secretbox" -> validateKeys(provider.keys(), path + ".secretbox.keys", List.of(32), errs);
                    default -> { }
                }
            }
        }
        return errs;
    }

    private static void validateKeys(List<Key> keys, String path, List<Integer> sizes, List<String> errs) {
        if (keys.isEmpty()) {
            errs.add(path + ": Required value: at least one keys is required");
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            Key key = keys.get(i);
            String kp = path + "[" + i + "]";
            if (key.name().isEmpty()) {
                errs.add(kp + ".name: Required value: name is a mandatory field for a key");
            }
            if (key.secret().isEmpty()) {
                errs.add(kp + ".secret: Required value: secret is a mandatory field for a key");
                continue;
            }
            byte[] secret;
            try {
                secret = key.bytes();
            } catch (IllegalArgumentException e) {
                errs.add(kp + ".secret: Invalid value: \"REDACTED\": secrets must be base64 encoded");
                continue;
            }
            if (!sizes.contains(secret.length)) {
                errs.add(kp + ".secret: Invalid value: \"REDACTED\": secret is not of the expected length, got "
                        + secret.length + ", expected one of " + sizes.toString().replace(",", ""));
            }
        }
    }

    private static void validateResourceOverlap(List<String> resources, String path, List<String> errs) {
        if (resources.size() < 2) {
            return;
        }
        List<GroupResource> grs = resources.stream().map(GroupResource::parse).toList();
        boolean duplicate = false;
        boolean overlap = false;
        for (int i = 0; i < grs.size(); i++) {
            for (int j = 0; j < grs.size(); j++) {
                if (i == j) {
                    continue;
                }
                GroupResource a = grs.get(i);
                GroupResource b = grs.get(j);
                if (a.equals(b)) {
                    duplicate = true;
                    continue;
                }
                if (a.equals(GroupResource.ANY) || a.group().equals(b.group())
                        && ("*".equals(a.resource()) || "*".equals(b.resource()))) {
                    overlap = true;
                }
            }
        }
        String value = "[]string{" + String.join(", ", resources.stream().map(s -> "\"" + s + "\"").toList()) + "}";
        if (duplicate) {
            errs.add(path + ": Invalid value: " + value + ": the same resource cannot be specified multiple times");
        }
        if (overlap) {
            errs.add(path + ": Invalid value: " + value + ": using overlapping resources such as 'secrets' and '*.' "
                    + "in the same resource list is not allowed as they will be masked");
        }
    }

    private static void validateResourceNames(List<String> resources, String path, List<String> errs) {
        Map<String, String> refused = Map.of(
                "apiserveripinfo", "resources which do not have REST API/s cannot be encrypted",
                "serviceipallocations", "resources which do not have REST API/s cannot be encrypted",
                "servicenodeportallocations", "resources which do not have REST API/s cannot be encrypted");
        for (int j = 0; j < resources.size(); j++) {
            String res = resources.get(j);
            String at = path + "[" + j + "]: Invalid value: \"" + res + "\": ";
            GroupResource gr = GroupResource.parse(res);
            if (!res.toLowerCase(java.util.Locale.ROOT).equals(res)) {
                errs.add(at + "resource name should not contain capital letters");
            } else if ("*".equals(res)) {
                errs.add(at + "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources");
            } else if (refused.containsKey(res)) {
                errs.add(at + refused.get(res));
            } else if ("events.k8s.io".equals(gr.group())) {
                errs.add(at + "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file");
            } else if ("extensions".equals(gr.group())) {
                errs.add(at + "'extensions' group has been removed and cannot be used for encryption");
            } else if ("*".equals(gr.group()) && !"*".equals(gr.resource())) {
                errs.add(at + "encrypting the same resource across groups is not supported");
            }
        }
    }

    /** The configuration as a file: apiVersion, kind and resources, keys in order. */
    public byte[] toYaml() {
        ObjectNode root = YAML.createObjectNode();
        root.put("apiVersion", API_VERSION);
        root.put("kind", KIND);
        ArrayNode rs = root.putArray("resources");
        for (ResourceConfiguration rc : resources) {
            ObjectNode r = rs.addObject();
            ArrayNode names = r.putArray("resources");
            rc.resources().forEach(names::add);
            ArrayNode ps = r.putArray("providers");
            for (Provider p : rc.providers()) {
                ObjectNode body = ps.addObject().putObject(p.type());
                if (!"identity".equals(p.type())) {
                    ArrayNode keys = body.putArray("keys");
                    p.keys().forEach(k -> keys.addObject().put("name", k.name()).put("secret", k.secret()));
                }
            }
        }
        try {
            return YAML.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid document";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A resource and its API group as the configuration names them ({@code secrets}, {@code deployments.apps}). */
    public record GroupResource(String group, String resource) {
        static final GroupResource ANY = new GroupResource("*", "*");

        /** kube's schema.ParseGroupResource: the resource up to the first dot, the group after it. */
        public static GroupResource parse(String s) {
            int dot = s.indexOf('.');
            return dot < 0 ? new GroupResource("", s) : new GroupResource(s.substring(dot + 1), s.substring(0, dot));
        }
    }
}
