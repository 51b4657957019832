package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvResolverTest {
    private final ConfigMap settings = new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata()
            .addToData("MODE", "fast").addToData("LEVEL", "3").addToData("bad key", "x").build();
    private final Secret creds = new SecretBuilder().withNewMetadata().withName("creds").endMetadata()
            .addToData("password", Base64.getEncoder().encodeToString("hunter2".getBytes(StandardCharsets.UTF_8))).build();
    private final EnvResolver resolver = new EnvResolver(
            name -> name.equals("settings") ? settings : null,
            name -> name.equals("creds") ? creds : null);
    private final Pod pod = new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop").withUid("u-1")
            .addToLabels("app", "web").endMetadata().withNewSpec().withNodeName("node-a").endSpec().build();

    @Test
    void literalValuesAndReferencesToEarlierVariablesAreExpanded() {
        Container c = new ContainerBuilder().withName("c")
                .addNewEnv().withName("HOST").withValue("db").endEnv()
                .addNewEnv().withName("URL").withValue("postgres://$(HOST):5432/$(MISSING)$$").endEnv().build();
        Map<String, String> env = resolver.resolve(pod, c, "10.244.0.5", "192.168.1.2");
        assertEquals("postgres://db:5432/$(MISSING)$", env.get("URL"));
    }

    @Test
    void valueFromConfigMapSecretAndDownwardApi() {
        Container c = new ContainerBuilder().withName("c")
                .addNewEnv().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef("MODE", "settings", false).endValueFrom().endEnv()
                .addNewEnv().withName("PW").withNewValueFrom().withNewSecretKeyRef("password", "creds", false).endValueFrom().endEnv()
                .addNewEnv().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom().endEnv()
                .build();
        Map<String, String> env = resolver.resolve(pod, c, "10.244.0.5", "192.168.1.2");
        assertEquals("fast", env.get("MODE"));
        assertEquals("hunter2", env.get("PW"));
        assertEquals("web-1", env.get("POD"));
        assertEquals("shop", env.get("NS"));
        assertEquals("web", env.get("APP"));
        assertEquals("10.244.0.5", env.get("IP"));
        assertEquals("node-a", env.get("NODE"));
    }

    @Test
    void envFromAddsPrefixedKeysSkipsInvalidNamesAndEnvOverrides() {
        Container c = new ContainerBuilder().withName("c")
                .addNewEnvFrom().withPrefix("CFG_").withNewConfigMapRef("settings", false).endEnvFrom()
                .addNewEnv().withName("CFG_LEVEL").withValue("9").endEnv().build();
        Map<String, String> env = resolver.resolve(pod, c, null, null);
        assertEquals("fast", env.get("CFG_MODE"));
        assertEquals("9", env.get("CFG_LEVEL"));
        assertFalse(env.containsKey("CFG_bad key"));
    }

    @Test
    void missingRequiredReferenceIsAConfigErrorButOptionalIsSkipped() {
        Container missing = new ContainerBuilder().withName("c")
                .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef("NOPE", "settings", false).endValueFrom().endEnv()
                .build();
        ContainerConfigException e = assertThrows(ContainerConfigException.class, () -> resolver.resolve(pod, missing, null, null));
        assertTrue(e.getMessage().contains("NOPE"), e.getMessage());

        Container optional = new ContainerBuilder().withName("c")
                .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef("NOPE", "absent", true).endValueFrom().endEnv()
                .build();
        assertFalse(resolver.resolve(pod, optional, null, null).containsKey("X"));

        Container noMap = new ContainerBuilder().withName("c")
                .addNewEnvFrom().withNewSecretRef("absent", false).endEnvFrom().build();
        e = assertThrows(ContainerConfigException.class, () -> resolver.resolve(pod, noMap, null, null));
        assertEquals("secret \"absent\" not found", e.getMessage());
    }

    @Test
    void commandAndArgsExpandFromTheEnvironment() {
        assertEquals(List.of("echo", "fast", "$(NOPE)"),
                EnvResolver.expandAll(List.of("echo", "$(MODE)", "$(NOPE)"), Map.of("MODE", "fast")));
    }
}
