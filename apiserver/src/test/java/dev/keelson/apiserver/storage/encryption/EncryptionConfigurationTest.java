package dev.keelson.apiserver.storage.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncryptionConfigurationTest {

    private static EncryptionConfiguration decode(String s) throws Exception {
        return EncryptionConfiguration.decode(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String error(String s) {
        return assertThrows(EncryptionConfiguration.InvalidConfigException.class, () -> decode(s)).getMessage();
    }

    @Test
    void decodesKubesFormatInYamlAndJsonAndTheLegacyKind() throws Exception {
        EncryptionConfiguration c = decode("""
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources:
                    - secrets
                    - configmaps
                    providers:
                    - aesgcm:
                        keys:
                        - name: key1
                          secret: c2VjcmV0IGlzIHNlY3VyZQ==
                    - identity: {}
                """);
        assertEquals(List.of("secrets", "configmaps"), c.resources().get(0).resources());
        assertEquals("aesgcm", c.resources().get(0).providers().get(0).type());
        assertEquals("key1", c.resources().get(0).providers().get(0).keys().get(0).name());
        assertEquals("identity", c.resources().get(0).providers().get(1).type());
        EncryptionConfiguration legacy = decode("{\"kind\":\"EncryptionConfig\",\"apiVersion\":\"v1\",\"resources\":"
                + "[{\"resources\":[\"secrets\"],\"providers\":[{\"secretbox\":{\"keys\":[{\"name\":\"k\",\"secret\":"
                + "\"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=\"}]}}]}]}");
        assertEquals("secretbox", legacy.resources().get(0).providers().get(0).type());
    }

    @Test
    void generatedConfigurationRoundTripsThroughItsFile() throws Exception {
        EncryptionConfiguration c = SecretsEncryption.generated(new SecureRandom());
        EncryptionConfiguration back = EncryptionConfiguration.decode(c.toYaml());
        assertEquals(c, back);
        assertEquals(32, back.resources().get(0).providers().get(0).keys().get(0).bytes().length);
    }

    @Test
    void refusesWhatKubeRefusesWithItsMessages() {
        String head = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n";
        assertEquals("no kind \"Policy\" is registered for version \"apiserver.config.k8s.io/v1\"",
                error("apiVersion: apiserver.config.k8s.io/v1\nkind: Policy\n"));
        assertEquals("resources: Required value: at least one resources is required", error(head + "resources: []\n"));
        assertEquals("resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\": secret is not of "
                + "the expected length, got 5, expected one of [16 24 32]", error(head
                + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: k\n"
                + "        secret: aGVsbG8=\n"));
        assertEquals("resources[0].providers[0].secretbox.keys[0].secret: Invalid value: \"REDACTED\": secrets must "
                + "be base64 encoded", error(head + "resources:\n- resources: [secrets]\n  providers:\n"
                + "  - secretbox:\n      keys:\n      - name: k\n        secret: '%%%'\n"));
        assertEquals("resources[0].providers[0]: Invalid value: more than one provider specified in a single "
                + "element, should split into different list elements", error(head + "resources:\n- resources: "
                + "[secrets]\n  providers:\n  - identity: {}\n    aescbc:\n      keys: []\n"));
        assertEquals("[resources[0].resources[0]: Invalid value: \"Secrets\": resource name should not contain "
                + "capital letters, resources[0].providers: Required value: at least one resources[0].providers is "
                + "required]", error(head + "resources:\n- resources: [Secrets]\n  providers: []\n"));
        assertEquals("resources[0].providers[0].aesgcm.keys: Required value: at least one keys is required",
                error(head + "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys: []\n"));
        assertEquals("resources[0].providers[0].kms: Unsupported value: KMS providers are not supported by Keelson: "
                + "use aescbc, aesgcm or secretbox", error(head + "resources:\n- resources: [secrets]\n  providers:\n"
                + "  - kms:\n      name: x\n      endpoint: unix:///tmp/kms.sock\n"));
        assertEquals("resources[0].resources: Invalid value: []string{\"secrets\", \"*.\"}: using overlapping "
                + "resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be "
                + "masked", error(head + "resources:\n- resources: [secrets, '*.']\n  providers:\n  - identity: {}\n"));
        assertEquals("resources: must be a list", error(head + "resources: secrets\n"));
    }
}
