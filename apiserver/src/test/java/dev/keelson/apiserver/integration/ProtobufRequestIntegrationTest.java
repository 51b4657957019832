package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Protobuf request bodies, as kubectl sends them, through HTTP (decoded on a worker thread, not an event loop). */
class ProtobufRequestIntegrationTest {

    static byte[] envelope(String kind, com.google.protobuf.Message object) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{0x6b, 0x38, 0x73, 0x00});
        Runtime.Unknown.newBuilder().setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion("v1").setKind(kind))
                .setRaw(object.toByteString()).build().writeTo(out);
        return out.toByteArray();
    }

    static HttpResponse<String> post(TestCluster cluster, byte[] body) throws Exception {
        HttpClient http = cluster.client().getHttpClient();
        return http.sendAsync(http.newHttpRequestBuilder().uri(cluster.url() + "/api/v1/namespaces/default/configmaps")
                .post("application/vnd.kubernetes.protobuf", body).build(), String.class).get(30, TimeUnit.SECONDS);
    }

    @Test
    void protobufConfigMapIsCreatedAndABrokenOneIsABadRequest() throws Exception {
        try (TestCluster cluster = TestCluster.start()) {
            V1.ConfigMap cm = V1.ConfigMap.newBuilder().setMetadata(Meta.ObjectMeta.newBuilder().setName("from-proto"))
                    .putData("k", "v").build();
            HttpResponse<String> created = post(cluster, envelope("ConfigMap", cm));
            assertEquals(201, created.code(), created.body());
            assertEquals(Map.of("k", "v"), cluster.client().configMaps().inNamespace("default").withName("from-proto")
                    .get().getData());

            byte[] broken = envelope("ConfigMap", cm);
            HttpResponse<String> bad = post(cluster, java.util.Arrays.copyOf(broken, broken.length - 3));
            assertEquals(400, bad.code(), bad.body());
            assertTrue(bad.body().contains("\"reason\":\"BadRequest\""), bad.body());
            assertTrue(bad.body().contains("protobuf"), bad.body());
        }
    }
}
