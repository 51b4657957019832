package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML request bodies to JSON trees with anchors and aliases resolved (Jackson's YAML parser gives an alias as the
 * anchor's name, which would then be stored), and refused, as Go's YAML decoder does, when aliases expand past a
 * bound (a "billion laughs" body of a few hundred bytes that would expand to gigabytes).
 */
final class YamlBodies {
    /** Nodes that aliases may add beyond the document's own: far more than any real manifest uses. */
    static final int MAX_ALIASED_NODES = 100_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlBodies() {
    }

    /** Scalars resolved as SnakeYAML's safe constructor resolves them (YAML 1.1, as Go's yaml.v2), timestamps kept. */
    private static final class Scalars extends SafeConstructor {
        Scalars() {
            super(new LoaderOptions());
        }

        Object value(ScalarNode node) {
            return constructObject(node);
        }
    }

    static JsonNode read(byte[] body) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit(body.length + 1);
        Node root;
        try {
            root = new Yaml(options).compose(new InputStreamReader(new ByteArrayInputStream(body),
                    StandardCharsets.UTF_8));
        } catch (YAMLException e) {
            throw ApiException.badRequest("the body of the request could not be decoded: yaml: "
                    + String.valueOf(e.getMessage()).split("\n")[0]);
        }
        if (root == null) {
            throw ApiException.badRequest("the request body is empty");
        }
        return new Converter().convert(root, false);
    }

    private static final class Converter {
        private final Scalars scalars = new Scalars();
        private final Map<Node, Boolean> seen = new IdentityHashMap<>();
        private final Map<Node, Boolean> open = new IdentityHashMap<>();
        private int aliased;

        JsonNode convert(Node node, boolean viaAlias) {
            boolean alias = viaAlias || seen.containsKey(node);
            seen.put(node, Boolean.TRUE);
            if (alias && ++aliased > MAX_ALIASED_NODES) {
                throw ApiException.badRequest("the body of the request could not be decoded: yaml: document contains "
                        + "excessive aliasing");
            }
            if (open.containsKey(node)) {
                throw ApiException.badRequest("the body of the request could not be decoded: yaml: an alias refers "
                        + "to the node that contains it");
            }
            if (node instanceof ScalarNode s) {
                return scalar(s);
            }
            open.put(node, Boolean.TRUE);
            try {
                if (node instanceof SequenceNode seq) {
                    ArrayNode out = NODES.arrayNode();
                    for (Node item : seq.getValue()) {
                        out.add(convert(item, alias));
                    }
                    return out;
                }
                MappingNode map = (MappingNode) node;
                ObjectNode out = NODES.objectNode();
                for (NodeTuple t : map.getValue()) {
                    JsonNode key = convert(t.getKeyNode(), alias);
                    out.set(key.isTextual() ? key.textValue() : key.toString(), convert(t.getValueNode(), alias));
                }
                return out;
            } finally {
                open.remove(node);
            }
        }

        private JsonNode scalar(ScalarNode s) {
            Tag tag = s.getTag();
            if (tag.equals(Tag.STR) || tag.equals(Tag.TIMESTAMP) || tag.equals(Tag.BINARY)) {
                return NODES.textNode(s.getValue());
            }
            Object v;
            try {
                v = scalars.value(s);
            } catch (YAMLException | NumberFormatException e) {
                return NODES.textNode(s.getValue());
            }
            if (v == null) {
                return NODES.nullNode();
            }
            if (v instanceof Boolean b) {
                return NODES.booleanNode(b);
            }
            if (v instanceof Integer i) {
                return NODES.numberNode(i);
            }
            if (v instanceof Long l) {
                return NODES.numberNode(l);
            }
            if (v instanceof BigInteger b) {
                return NODES.numberNode(b);
            }
            if (v instanceof Double d) {
                return d.isNaN() || d.isInfinite() ? NODES.textNode(s.getValue())
                        : NODES.numberNode(new BigDecimal(s.getValue().replace("_", "")));
            }
            return NODES.textNode(s.getValue());
        }
    }
}
