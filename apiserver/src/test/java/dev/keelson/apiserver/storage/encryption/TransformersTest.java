package dev.keelson.apiserver.storage.encryption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.GroupResource;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransformersTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, GroupResource> FOLDERS = Map.of("secrets", new GroupResource("", "secrets"),
            "configmaps", new GroupResource("", "configmaps"), "deployments", new GroupResource("apps", "deployments"));
    private static final byte[] KEY = "/registry/secrets/default/s1".getBytes(StandardCharsets.UTF_8);
    private static final String K1 = "u5RPr1FThW9rss5Dh/xPjhBKV2xTZ0WTJcEtgNlX/jI=";
    private static final String K2 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=";

    private static StorageTransformers config(String yaml) throws Exception {
        return StorageTransformers.of(EncryptionConfiguration.decode(yaml.getBytes(StandardCharsets.UTF_8)), FOLDERS,
                RANDOM);
    }

    private static String provider(String type, String... nameSecret) {
        StringBuilder b = new StringBuilder("  - " + type + ":\n      keys:\n");
        for (int i = 0; i < nameSecret.length; i += 2) {
            b.append("      - name: ").append(nameSecret[i]).append("\n        secret: ").append(nameSecret[i + 1])
                    .append('\n');
        }
        return b.toString();
    }

    private static String file(String resources, String providers) {
        return "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: ["
                + resources + "]\n  providers:\n" + providers;
    }

    @Test
    void secretboxSealsAsNaclDoes() {
        // golang.org/x/crypto/nacl/secretbox's TestSecretBox vector (made with the C implementation of NaCl)
        byte[] key = new byte[32];
        byte[] nonce = new byte[24];
        byte[] message = new byte[64];
        Arrays.fill(key, (byte) 1);
        Arrays.fill(nonce, (byte) 2);
        Arrays.fill(message, (byte) 3);
        byte[] box = new byte[16 + 64];
        SecretboxTransformer.seal(box, 0, message, nonce, key);
        assertEquals("8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70"
                + "acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad", HexFormat.of().formatHex(box));
        assertArrayEquals(message, SecretboxTransformer.open(box, 0, nonce, key));
        box[20] ^= 1;
        assertNull(SecretboxTransformer.open(box, 0, nonce, key));
    }

    @Test
    void everyProviderWritesKubesPrefixAndReadsItsOwnValue() throws Exception {
        for (String type : new String[] {"aescbc", "aesgcm", "secretbox"}) {
            StorageTransformers t = config(file("secrets", provider(type, "key1", K2)));
            Transformer tr = t.forKey("/registry/secrets/default/s1");
            byte[] stored = tr.toStorage("{\"a\":1}".getBytes(StandardCharsets.UTF_8), KEY);
            assertTrue(new String(stored, StandardCharsets.ISO_8859_1).startsWith("k8s:enc:" + type + ":v1:key1:"),
                    type);
            Transformer.Read read = tr.fromStorage(stored, KEY);
            assertEquals("{\"a\":1}", new String(read.data(), StandardCharsets.UTF_8));
            assertFalse(read.stale());
        }
    }

    @Test
    void aesCbcLayoutIsIvThenPaddedBlocks() throws Exception {
        Transformer tr = config(file("secrets", provider("aescbc", "k", K1))).forKey("/registry/secrets/a/b");
        int prefix = "k8s:enc:aescbc:v1:k:".length();
        assertEquals(prefix + 16 + 16, tr.toStorage(new byte[15], KEY).length);
        assertEquals(prefix + 16 + 32, tr.toStorage(new byte[16], KEY).length);
    }

    @Test
    void aesGcmAuthenticatesTheEtcdKey() throws Exception {
        Transformer tr = config(file("secrets", provider("aesgcm", "k", K1))).forKey("/registry/secrets/a/b");
        byte[] stored = tr.toStorage("x".getBytes(StandardCharsets.UTF_8), KEY);
        assertEquals("k8s:enc:aesgcm:v1:k:".length() + 12 + 1 + 16, stored.length);
        byte[] otherKey = "/registry/secrets/default/s2".getBytes(StandardCharsets.UTF_8);
        Transformer.TransformException e = assertThrows(Transformer.TransformException.class,
                () -> tr.fromStorage(stored, otherKey));
        assertEquals("cipher: message authentication failed", e.getMessage());
    }

    @Test
    void firstKeyEncryptsEveryKeyDecryptsAndOthersAreStale() throws Exception {
        StorageTransformers old = config(file("secrets", provider("aescbc", "old", K1)));
        StorageTransformers both = config(file("secrets", provider("aescbc", "new", K2, "old", K1)));
        byte[] byOld = old.forKey("/registry/secrets/a/b").toStorage("v".getBytes(StandardCharsets.UTF_8), KEY);
        Transformer tr = both.forKey("/registry/secrets/a/b");
        Transformer.Read read = tr.fromStorage(byOld, KEY);
        assertEquals("v", new String(read.data(), StandardCharsets.UTF_8));
        assertTrue(read.stale());
        byte[] byNew = tr.toStorage("v".getBytes(StandardCharsets.UTF_8), KEY);
        assertTrue(new String(byNew, StandardCharsets.ISO_8859_1).startsWith("k8s:enc:aescbc:v1:new:"));
        assertFalse(tr.fromStorage(byNew, KEY).stale());
        assertEquals("k8s:enc:aescbc:v1:new:", both.writePrefix(new GroupResource("", "secrets")));
    }

    @Test
    void unknownKeyAndWrongKeyGiveKubesErrors() throws Exception {
        byte[] stored = config(file("secrets", provider("aescbc", "k1", K1))).forKey("/registry/secrets/a/b")
                .toStorage("{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8), KEY);
        Transformer other = config(file("secrets", provider("aescbc", "k2", K2))).forKey("/registry/secrets/a/b");
        assertEquals("no matching key was found for the provided AES transformer",
                assertThrows(Transformer.TransformException.class, () -> other.fromStorage(stored, KEY)).getMessage());
        Transformer identityOnly = config("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                + "resources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n").forKey("/registry/secrets/a/b");
        assertEquals("no matching prefix found",
                assertThrows(Transformer.TransformException.class, () -> identityOnly.fromStorage(stored, KEY))
                        .getMessage());
        Transformer sameNameWrongKey = config(file("secrets", provider("aesgcm", "k1", K2)))
                .forKey("/registry/secrets/a/b");
        byte[] gcm = config(file("secrets", provider("aesgcm", "k1", K1))).forKey("/registry/secrets/a/b")
                .toStorage("x".getBytes(StandardCharsets.UTF_8), KEY);
        assertEquals("cipher: message authentication failed",
                assertThrows(Transformer.TransformException.class, () -> sameNameWrongKey.fromStorage(gcm, KEY))
                        .getMessage());
    }

    @Test
    void identityFirstStillReadsEncryptedValuesThroughALaterProvider() throws Exception {
        byte[] stored = config(file("secrets", provider("secretbox", "k", K2))).forKey("/registry/secrets/a/b")
                .toStorage("x".getBytes(StandardCharsets.UTF_8), KEY);
        Transformer tr = config(file("secrets", "  - identity: {}\n" + provider("secretbox", "k", K2)))
                .forKey("/registry/secrets/a/b");
        Transformer.Read read = tr.fromStorage(stored, KEY);
        assertEquals("x", new String(read.data(), StandardCharsets.UTF_8));
        assertTrue(read.stale());
        assertEquals("{}", new String(tr.toStorage("{}".getBytes(StandardCharsets.UTF_8), KEY),
                StandardCharsets.UTF_8));
    }

    @Test
    void resourcesAreMatchedExactlyThenByGroupThenAll() throws Exception {
        StorageTransformers t = config("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                + "resources:\n- resources: [secrets]\n  providers:\n" + provider("aescbc", "exact", K1)
                + "- resources: ['*.apps']\n  providers:\n" + provider("aesgcm", "apps", K1)
                + "- resources: ['*.*']\n  providers:\n" + provider("secretbox", "all", K2));
        assertEquals("k8s:enc:aescbc:v1:exact:", t.writePrefix(new GroupResource("", "secrets")));
        assertEquals("k8s:enc:aesgcm:v1:apps:", t.writePrefix(new GroupResource("apps", "deployments")));
        assertEquals("k8s:enc:secretbox:v1:all:", t.writePrefix(new GroupResource("", "configmaps")));
        assertTrue(t.forKey("/registry/deployments/default/web") != null);
        // custom resources are stored under /registry/<group>/<plural>/
        assertTrue(t.forKey("/registry/example.com/widgets/default/w") != null);
        assertNull(t.forKey("/registry/ranges/serviceips/10.96.0.1"), "allocation ranges are no resource");
        assertNull(StorageTransformers.NONE.forKey("/registry/secrets/a/b"));
        assertEquals(java.util.List.of("/registry/configmaps/", "/registry/deployments/", "/registry/secrets/"),
                t.encryptedPrefixes());
    }
}
