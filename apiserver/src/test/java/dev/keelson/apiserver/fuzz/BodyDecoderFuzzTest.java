package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.http.ApiHandler;
import dev.keelson.apiserver.protobuf.ProtobufBodies;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Request bodies of creates and updates, decoded as the apiserver does ({@link ApiHandler#decodeObject}) for each
 * media type kubectl sends: the body becomes an object, or the request is refused with a 4xx Status.
 * Seeds: BodyDecoderFuzzTestInputs/METHOD/ (kubectl-style objects; protobuf envelopes as kubectl writes them).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BodyDecoderFuzzTest {
    static {
        Contracts.warmUp(() -> {
            decode("application/json", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}".getBytes());
            decode("application/yaml", "kind: Pod\nmetadata: {name: a}\n".getBytes());
            byte[] pod = io.kubernetes.client.proto.Runtime.Unknown.newBuilder().setTypeMeta(
                    io.kubernetes.client.proto.Runtime.TypeMeta.newBuilder().setApiVersion("v1").setKind("Pod")).build()
                    .toByteArray();
            byte[] body = new byte[pod.length + 4];
            System.arraycopy(new byte[]{0x6b, 0x38, 0x73, 0x00}, 0, body, 0, 4);
            System.arraycopy(pod, 0, body, 4, pod.length);
            decode("application/vnd.kubernetes.protobuf", body);
        });
    }

    @FuzzTest
    void json(byte[] body) {
        SlowInputs.run("json", body, () -> decode("application/json", body));
    }

    @FuzzTest
    void yaml(byte[] body) {
        SlowInputs.run("yaml", body, () -> decode("application/yaml", body));
    }

    @FuzzTest
    void protobuf(byte[] body) {
        SlowInputs.run("protobuf", body, () -> decode("application/vnd.kubernetes.protobuf", body));
    }

    private static void decode(String mediaType, byte[] body) {
        try {
            Contracts.assertWritable(ApiHandler.decodeObject(mediaType, Buffer.buffer(body), Contracts.PODS));
        } catch (ApiException | ProtobufBodies.DecodeException e) {
            Contracts.assertClientError(e, ApiException.class, ProtobufBodies.DecodeException.class);
        }
    }
}
