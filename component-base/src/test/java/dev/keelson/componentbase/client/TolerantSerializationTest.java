package dev.keelson.componentbase.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TolerantSerializationTest {
    private static final String LIST = """
            {"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"7"},"items":[
             {"metadata":{"name":"good","namespace":"default"},"spec":{"replicas":2}},
             {"metadata":{"name":"bad","namespace":"default"},"spec":{"replicas":2147483648}},
             {"metadata":{"name":"also-good","namespace":"default"},"spec":{"replicas":1}}]}
            """;

    @Test
    void aListWithAnUndecodableItemYieldsTheOthers() {
        assertThrows(RuntimeException.class, () -> new KubernetesSerialization().unmarshal(LIST, DeploymentList.class),
                "fabric8 alone refuses the whole list (else this test proves nothing)");
        DeploymentList list = new TolerantSerialization().unmarshal(
                new ByteArrayInputStream(LIST.getBytes(StandardCharsets.UTF_8)), DeploymentList.class);
        assertEquals(List.of("good", "also-good"), list.getItems().stream().map(d -> d.getMetadata().getName()).toList());
        assertEquals("7", list.getMetadata().getResourceVersion());
    }

    @Test
    void anUndecodableSingleObjectIsStillAnError() {
        assertThrows(RuntimeException.class, () -> new TolerantSerialization().unmarshal(
                "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"replicas\":2147483648}}", Deployment.class));
    }
}
