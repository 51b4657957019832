package dev.keelson.componentbase.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fabric8's serialization, except that a list with an item the model cannot decode (a stored object from an older
 * or more lenient apiserver, an int32 field holding 2147483648) yields the other items and logs the bad one, as
 * client-go's informers go on past an object they cannot decode: one bad object must not keep an informer from
 * syncing, and with it every controller that waits for that informer.
 */
public final class TolerantSerialization extends KubernetesSerialization {
    private static final Logger LOG = LoggerFactory.getLogger(TolerantSerialization.class);
    private final ObjectMapper tree = new ObjectMapper();

    @Override
    public <T> T unmarshal(InputStream in, TypeReference<T> type) {
        byte[] bytes = readAll(in);
        return tolerant(bytes, b -> super.unmarshal(new ByteArrayInputStream(b), type));
    }

    @Override
    public <T> T unmarshal(InputStream in, Class<T> type) {
        byte[] bytes = readAll(in);
        return tolerant(bytes, b -> super.unmarshal(new ByteArrayInputStream(b), type));
    }

    @Override
    public <T> T unmarshal(String json, Class<T> type) {
        return tolerant(json.getBytes(StandardCharsets.UTF_8),
                b -> super.unmarshal(new String(b, StandardCharsets.UTF_8), type));
    }

    @Override
    public <T> T unmarshal(String json, TypeReference<T> type) {
        return tolerant(json.getBytes(StandardCharsets.UTF_8),
                b -> super.unmarshal(new String(b, StandardCharsets.UTF_8), type));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T tolerant(byte[] bytes, Function<byte[], T> decode) {
        try {
            return decode.apply(bytes);
        } catch (RuntimeException whole) {
            JsonNode list;
            try {
                list = tree.readTree(bytes);
            } catch (IOException notJson) {
                throw whole;
            }
            if (!(list instanceof ObjectNode obj) || !(obj.get("items") instanceof ArrayNode items)) {
                throw whole;
            }
            ArrayNode kept = tree.createArrayNode();
            for (JsonNode item : items) {
                ObjectNode single = obj.deepCopy();
                single.putArray("items").add(item);
                try {
                    decode.apply(json(single));
                    kept.add(item);
                } catch (RuntimeException bad) {
                    JsonNode meta = item.path("metadata");
                    LOG.error("skipping {} {}/{} that cannot be decoded: {}", obj.path("kind").asText("object"),
                            meta.path("namespace").asText(""), meta.path("name").asText("?"), rootMessage(bad));
                }
            }
            obj.set("items", kept);
            return decode.apply(json(obj));
        }
    }

    private byte[] json(JsonNode node) {
        try {
            return tree.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return String.valueOf(e.getMessage()).split("\n")[0];
    }
}
