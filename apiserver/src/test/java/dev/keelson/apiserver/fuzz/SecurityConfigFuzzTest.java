package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keelson.apiserver.audit.AuditPolicy;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration;
import dev.keelson.apiserver.storage.encryption.StorageTransformers;
import dev.keelson.apiserver.storage.encryption.Transformer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The two operator files the apiserver reads at start: {@code --encryption-provider-config} and
 * {@code --audit-policy-file}. Either accepted, and then usable (every key encrypts and decrypts, the file round-trips;
 * the policy answers any request), or refused with the decoder's own exception (the message the server exits with),
 * never another exception. Seeds: SecurityConfigFuzzTestInputs/.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SecurityConfigFuzzTest {
    private static final Map<String, EncryptionConfiguration.GroupResource> FOLDERS = Map.of(
            "secrets", new EncryptionConfiguration.GroupResource("", "secrets"),
            "deployments", new EncryptionConfiguration.GroupResource("apps", "deployments"));
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<Attributes> REQUESTS = List.of(
            Attributes.resource(new Authenticator.User("alice", List.of("dev")), "create", "", "v1", "secrets", "",
                    "default", ""),
            Attributes.resource(null, "get", "apps", "v1", "deployments", "scale", "kube-system", "web"),
            Attributes.nonResource(new Authenticator.User("system:anonymous", List.of()), "get", "/healthz/etcd"));

    @FuzzTest
    void encryptionConfiguration(byte[] input) {
        SlowInputs.run("encryptionConfiguration", input, () -> {
            EncryptionConfiguration config;
            try {
                config = EncryptionConfiguration.decode(input);
            } catch (EncryptionConfiguration.InvalidConfigException refused) {
                return;
            }
            StorageTransformers transformers = StorageTransformers.of(config, FOLDERS, RANDOM);
            byte[] value = "{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8);
            for (String key : List.of("/registry/secrets/default/s", "/registry/deployments/d/w",
                    "/registry/example.com/widgets/w")) {
                Transformer t = transformers.forKey(key);
                if (t == null) {
                    continue;
                }
                try {
                    byte[] ctx = StorageTransformers.context(key);
                    byte[] back = t.fromStorage(t.toStorage(value, ctx), ctx).data();
                    if (!Arrays.equals(value, back)) {
                        throw new AssertionError("value changed through " + key);
                    }
                } catch (Transformer.TransformException e) {
                    throw new AssertionError("an accepted configuration cannot read its own write: " + e.getMessage(), e);
                }
            }
            try {
                if (!EncryptionConfiguration.decode(config.toYaml()).equals(config)) {
                    throw new AssertionError("the configuration does not round-trip through its file");
                }
            } catch (EncryptionConfiguration.InvalidConfigException e) {
                throw new AssertionError("a written configuration is refused: " + e.getMessage(), e);
            }
        });
    }

    @FuzzTest
    void auditPolicy(byte[] input) {
        SlowInputs.run("auditPolicy", input, () -> {
            AuditPolicy policy;
            try {
                policy = AuditPolicy.decode(input);
            } catch (AuditPolicy.InvalidPolicyException refused) {
                return;
            }
            if (policy.rules().isEmpty()) {
                throw new AssertionError("a policy without rules was accepted");
            }
            for (Attributes a : REQUESTS) {
                AuditPolicy.Decision d = policy.evaluate(a);
                if (d.level() == null || d.omitStages() == null) {
                    throw new AssertionError("no decision for " + a);
                }
            }
        });
    }
}
