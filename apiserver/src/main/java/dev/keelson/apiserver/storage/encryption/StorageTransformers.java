package dev.keelson.apiserver.storage.encryption;

import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.GroupResource;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.Key;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.Provider;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.ResourceConfiguration;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transformer of every etcd key, from an EncryptionConfiguration: a resource named exactly wins over
 * {@code *.group}, which wins over {@code *.*}, as in kube-apiserver. Keys of resources the configuration does not
 * name, and keys that are no resource's, are stored as they are.
 */
public final class StorageTransformers {
    /** Nothing encrypted. */
    public static final StorageTransformers NONE = new StorageTransformers(Map.of(), Map.of());
    private static final String ROOT = "/registry/";

    private final Map<GroupResource, PrefixTransformers> byResource;
    /** Storage folder under /registry/ of each built-in resource (e.g. "secrets" -> core/secrets). */
    private final Map<String, GroupResource> folders;

    private StorageTransformers(Map<GroupResource, PrefixTransformers> byResource, Map<String, GroupResource> folders) {
        this.byResource = byResource;
        this.folders = folders;
    }

    /**
     * The transformers of {@code config}; {@code folders} maps each built-in resource's storage folder to its group
     * and resource (custom resources are found from their {@code /registry/<group>/<plural>/} keys).
     */
    public static StorageTransformers of(EncryptionConfiguration config, Map<String, GroupResource> folders,
                                         SecureRandom random) {
        Map<GroupResource, List<PrefixTransformers.Entry>> lists = new LinkedHashMap<>();
        for (ResourceConfiguration rc : config.resources()) {
            List<PrefixTransformers.Entry> providers = new ArrayList<>();
            for (Provider p : rc.providers()) {
                providers.add(entry(p, random));
            }
            for (String r : rc.resources()) {
                lists.computeIfAbsent(GroupResource.parse(r), k -> new ArrayList<>()).addAll(providers);
            }
        }
        Map<GroupResource, PrefixTransformers> out = new HashMap<>();
        lists.forEach((gr, entries) -> out.put(gr, new PrefixTransformers("no matching prefix found", entries)));
        return new StorageTransformers(out, Map.copyOf(folders));
    }

    private static PrefixTransformers.Entry entry(Provider p, SecureRandom random) {
        if ("identity".equals(p.type())) {
            return new PrefixTransformers.Entry(new byte[0], new IdentityTransformer());
        }
        List<PrefixTransformers.Entry> keys = new ArrayList<>();
        for (Key k : p.keys()) {
            byte[] secret = k.bytes();
            Transformer t = switch (p.type()) {
                case "aescbc" -> new AesCbcTransformer(secret, random);
                case "aesgcm" -> new AesGcmTransformer(secret, random);
                case "secretbox" -> new SecretboxTransformer(secret, random);
                default -> throw new IllegalArgumentException("unsupported provider " + p.type());
            };
            keys.add(new PrefixTransformers.Entry(k.name() + ":", t));
        }
        String noKey = "secretbox".equals(p.type())
                ? "no matching key was found for the provided Secretbox transformer"
                : "no matching key was found for the provided AES transformer";
        return new PrefixTransformers.Entry(prefix(p.type()), new PrefixTransformers(noKey, keys));
    }

    /** The stored-value prefix of a provider type: {@code k8s:enc:aescbc:v1:}. */
    public static String prefix(String providerType) {
        return "k8s:enc:" + providerType + ":v1:";
    }

    /** The transformer of one etcd key, or null when its values are stored as they are. */
    public Transformer forKey(String key) {
        if (byResource.isEmpty() || !key.startsWith(ROOT)) {
            return null;
        }
        int end = key.indexOf('/', ROOT.length());
        if (end < 0) {
            return null;
        }
        String folder = key.substring(ROOT.length(), end);
        GroupResource gr = folders.get(folder);
        if (gr == null && folder.contains(".")) {
            int next = key.indexOf('/', end + 1);
            if (next < 0) {
                return null;
            }
            gr = new GroupResource(folder, key.substring(end + 1, next));
        }
        return gr == null ? null : forResource(gr);
    }

    /** The transformer of a resource: named exactly, else {@code *.group}, else {@code *.*}. */
    public Transformer forResource(GroupResource gr) {
        PrefixTransformers t = byResource.get(gr);
        if (t == null) {
            t = byResource.get(new GroupResource(gr.group(), "*"));
        }
        if (t == null) {
            t = byResource.get(GroupResource.ANY);
        }
        return t;
    }

    /** The etcd key prefixes of the built-in resources that are encrypted (for start-up checks and rewrites). */
    public List<String> encryptedPrefixes() {
        List<String> out = new ArrayList<>();
        folders.forEach((folder, gr) -> {
            if (forResource(gr) != null) {
                out.add(ROOT + folder + "/");
            }
        });
        out.sort(null);
        return out;
    }

    /** The stored-value prefix the first provider writes for {@code gr} ({@code k8s:enc:aescbc:v1:key1:}), or "". */
    public String writePrefix(GroupResource gr) {
        Transformer t = forResource(gr);
        if (!(t instanceof PrefixTransformers pt)) {
            return "";
        }
        PrefixTransformers.Entry first = pt.entries().get(0);
        if (first.transformer() instanceof PrefixTransformers keys) {
            return first.prefixText() + keys.entries().get(0).prefixText();
        }
        return first.prefixText();
    }

    /** The key as etcd authenticated data (kube-apiserver's authenticatedDataString). */
    public static byte[] context(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
