package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.http.SecretsEncryptEndpoints;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.KubeClients;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Secrets encrypted at rest: what etcd holds, what clients see, rotation, and a restart without the key. */
class SecretsEncryptionIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SecurityOptions generated(Path dir) {
        return new SecurityOptions(new SecretsEncryption.Options(config(dir), true), null);
    }

    private static Path config(Path dir) {
        return dir.resolve("cred").resolve("encryption-config.yaml");
    }

    private static Secret secret(String name, String value) {
        return new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .addToStringData("password", value).build();
    }

    /** Every key under {@code prefix} with its value exactly as etcd holds it, read with a plain jetcd client. */
    private static Map<String, String> rawValues(TestCluster cluster, String prefix) throws Exception {
        try (EtcdStorage raw = new EtcdStorage(List.of(cluster.etcd().clientUrl()),
                EtcdOptions.defaults().withTls(cluster.etcd().clientTls()), new SimpleMeterRegistry())) {
            ByteSequence from = ByteSequence.from(prefix, StandardCharsets.UTF_8);
            var resp = raw.client().getKVClient().get(from, GetOption.builder()
                    .withRange(ByteSequence.from(EtcdStorage.prefixEnd(prefix), StandardCharsets.UTF_8)).build())
                    .get(30, TimeUnit.SECONDS);
            Map<String, String> out = new LinkedHashMap<>();
            resp.getKvs().forEach(kv -> out.put(kv.getKey().toString(StandardCharsets.UTF_8),
                    kv.getValue().toString(StandardCharsets.ISO_8859_1)));
            return out;
        }
    }

    private static JsonNode call(TestCluster cluster, String path, String method) throws Exception {
        String url = cluster.url() + path;
        String body = "POST".equals(method) ? cluster.client().raw(url, "POST", "{}") : cluster.client().raw(url);
        return JSON.readTree(body);
    }

    @Test
    void secretsAreCiphertextInEtcdAndPlaintextThroughTheApiAndWatches() throws Exception {
        try (TestCluster cluster = TestCluster.startSecured(SecretsEncryptionIntegrationTest::generated)) {
            Path file = config(cluster.dataDir());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            KubernetesClient client = cluster.client();
            LinkedBlockingQueue<Secret> seen = new LinkedBlockingQueue<>();
            try (var watch = client.secrets().inNamespace("default").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Secret s) {
                    seen.add(s);
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                client.secrets().inNamespace("default").resource(secret("db", "hunter2")).create();
                Secret watched = seen.poll(30, TimeUnit.SECONDS);
                assertEquals("aHVudGVyMg==", watched.getData().get("password"));
            }
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("plain").endMetadata().addToData("k", "visible").build()).create();

            String stored = rawValues(cluster, "/registry/secrets/default/db").get("/registry/secrets/default/db");
            assertTrue(stored.startsWith("k8s:enc:aescbc:v1:aescbckey-"), stored.substring(0, 40));
            assertFalse(stored.contains("aHVudGVyMg"), "the secret's data is not in etcd in the clear");
            assertTrue(rawValues(cluster, "/registry/configmaps/default/plain").values().iterator().next()
                    .contains("visible"), "resources the configuration does not name stay plaintext");

            assertEquals("aHVudGVyMg==", client.secrets().inNamespace("default").withName("db").get().getData()
                    .get("password"));
            assertTrue(client.secrets().inNamespace("default").list().getItems().stream()
                    .anyMatch(s -> "aHVudGVyMg==".equals(s.getData().get("password"))));
        }
    }

    @Test
    void rotateRewritesEverySecretWithANewKeyAndDropsTheOldOne() throws Exception {
        try (TestCluster cluster = TestCluster.startSecured(SecretsEncryptionIntegrationTest::generated)) {
            for (int i = 0; i < 5; i++) {
                cluster.client().secrets().inNamespace("default").resource(secret("s" + i, "v" + i)).create();
            }
            JsonNode before = call(cluster, SecretsEncryptEndpoints.STATUS, "GET");
            long total = before.path("secrets").asLong();
            assertTrue(total >= 5, before.toString());
            assertEquals(total, before.path("secretsWithActiveKey").asLong());
            String oldKey = before.path("activeKey").asText();
            Map<String, String> rawBefore = rawValues(cluster, "/registry/secrets/");

            JsonNode after = call(cluster, SecretsEncryptEndpoints.ROTATE, "POST");
            String newKey = after.path("activeKey").asText();
            assertNotEquals(oldKey, newKey);
            assertEquals("aescbc", after.path("activeKeyType").asText());
            assertEquals(total, after.path("secretsWithActiveKey").asLong());
            Map<String, String> rawAfter = rawValues(cluster, "/registry/secrets/");
            assertEquals(rawBefore.keySet(), rawAfter.keySet());
            rawAfter.forEach((k, v) -> assertTrue(v.startsWith("k8s:enc:aescbc:v1:" + newKey + ":"), k));
            String file = Files.readString(config(cluster.dataDir()));
            assertFalse(file.contains(oldKey), "the old key is dropped from the file");
            assertTrue(file.contains(newKey));
            for (int i = 0; i < 5; i++) {
                assertEquals(java.util.Base64.getEncoder().encodeToString(("v" + i).getBytes()),
                        cluster.client().secrets().inNamespace("default").withName("s" + i).get().getData()
                                .get("password"));
            }

            // a server started again with the rotated file reads everything
            cluster.apiServer().close();
            ApiServer restarted = new ApiServer(VertxHolder.get(), cluster.apiServerOptions(),
                    generated(cluster.dataDir()));
            try {
                restarted.start();
                try (KubernetesClient client = KubeClients.fromKubeconfig(restarted.adminKubeconfig())) {
                    assertEquals("djM=", client.secrets().inNamespace("default").withName("s3").get().getData()
                            .get("password"));
                }
            } finally {
                restarted.close();
            }
        }
    }

    @Test
    void aServerWithoutTheKeyRefusesToStart() throws Exception {
        try (TestCluster cluster = TestCluster.startSecured(SecretsEncryptionIntegrationTest::generated)) {
            cluster.client().secrets().inNamespace("default").resource(secret("kept", "x")).create();
            cluster.apiServer().close();
            Path file = config(cluster.dataDir());
            String original = Files.readString(file);

            Files.delete(file);
            ApiServer noFile = new ApiServer(VertxHolder.get(), cluster.apiServerOptions(), generated(cluster.dataDir()));
            Exception missing = assertThrows(Exception.class, noFile::start);
            noFile.close();
            assertTrue(missing.getMessage().contains("does not exist")
                    && missing.getMessage().contains("are encrypted"), missing.getMessage());
            assertFalse(Files.exists(file), "no new key is generated over encrypted data");

            Files.writeString(file, original.replaceAll("secret: .*", "secret: "
                    + java.util.Base64.getEncoder().encodeToString(new byte[32])));
            ApiServer wrongKey = new ApiServer(VertxHolder.get(), cluster.apiServerOptions(),
                    generated(cluster.dataDir()));
            Exception wrong = assertThrows(Exception.class, wrongKey::start);
            wrongKey.close();
            assertTrue(wrong.getMessage().contains("cannot be decrypted") && wrong.getMessage()
                    .contains("/registry/secrets/default/kept"), wrong.getMessage());

            Files.writeString(file, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                    + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: k\n"
                    + "        secret: c2hvcnQ=\n");
            ApiServer invalid = new ApiServer(VertxHolder.get(), cluster.apiServerOptions(),
                    generated(cluster.dataDir()));
            Exception bad = assertThrows(Exception.class, invalid::start);
            invalid.close();
            assertEquals("error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "
                    + "\"REDACTED\": secret is not of the expected length, got 5, expected one of [16 24 32]",
                    bad.getMessage());
        }
    }

    @Test
    void anUnreadableStoredSecretIsAnErrorAndIsNeverOverwritten() throws Exception {
        try (TestCluster cluster = TestCluster.startSecured(SecretsEncryptionIntegrationTest::generated)) {
            cluster.client().secrets().inNamespace("default").resource(secret("victim", "x")).create();
            String key = "/registry/secrets/default/victim";
            // a value written with a key this server does not have (e.g. by a server with another configuration)
            String foreign = "k8s:enc:aescbc:v1:otherkey:" + "A".repeat(48);
            try (EtcdStorage raw = new EtcdStorage(List.of(cluster.etcd().clientUrl()),
                    EtcdOptions.defaults().withTls(cluster.etcd().clientTls()), new SimpleMeterRegistry())) {
                raw.client().getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8),
                        ByteSequence.from(foreign, StandardCharsets.ISO_8859_1)).get(30, TimeUnit.SECONDS);
            }
            io.fabric8.kubernetes.client.Config noRetries = KubeClients.configFrom(cluster.kubeconfig());
            noRetries.setRequestRetryBackoffLimit(0);
            try (KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                    .withConfig(noRetries).build()) {
                KubernetesClientException get = assertThrows(KubernetesClientException.class,
                        () -> client.secrets().inNamespace("default").withName("victim").get());
                assertEquals(500, get.getCode());
                assertEquals("Internal error occurred: no matching key was found for the provided AES transformer",
                        get.getStatus().getMessage());
                assertThrows(KubernetesClientException.class, () -> client.secrets().inNamespace("default")
                        .resource(secret("victim", "overwritten")).update());
                assertThrows(KubernetesClientException.class, () -> client.secrets().inNamespace("default")
                        .withName("victim").edit(s -> {
                            s.getMetadata().getLabels().put("a", "b");
                            return s;
                        }));
            }
            assertEquals(foreign, rawValues(cluster, key).get(key));
        }
    }
}
