package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * Kubernetes' descriptions of its types and fields, as its OpenAPI spec carries them (what {@code kubectl explain}
 * prints), read from a resource generated from a published type library by {@code scripts/openapi-descriptions.sh}.
 * Keys are the schema names the generator uses, {@code io.k8s.api.apps.v1.DeploymentSpec}, looked up as
 * {@code apps/v1.DeploymentSpec}.
 */
final class Descriptions {
    private static final String RESOURCE = "/dev/keelson/apiserver/openapi/kubernetes-descriptions.json.gz";
    private static volatile JsonNode all;

    private Descriptions() {}

    private static JsonNode all() {
        JsonNode a = all;
        if (a == null) {
            try (InputStream in = Descriptions.class.getResourceAsStream(RESOURCE)) {
                a = in == null ? new ObjectMapper().createObjectNode()
                        : new ObjectMapper().readTree(new GZIPInputStream(in));
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + RESOURCE, e);
            }
            all = a;
        }
        return a;
    }

    /** The description of a type ({@code field} empty) or of one of its fields; null when Kubernetes has none. */
    static String of(String schemaName, String field) {
        String key = key(schemaName);
        if (key == null) {
            return null;
        }
        JsonNode d = all().path(key).get(field);
        return d == null ? null : d.asText();
    }

    /** {@code io.k8s.api.apps.v1.DeploymentSpec} to {@code apps/v1.DeploymentSpec}; meta and core likewise. */
    static String key(String schemaName) {
        String[] prefixes = {"io.k8s.apimachinery.pkg.apis.meta.", "io.k8s.api."};
        for (String prefix : prefixes) {
            if (schemaName.startsWith(prefix)) {
                String rest = prefix.contains("meta") ? "meta." + schemaName.substring(prefix.length())
                        : schemaName.substring(prefix.length());
                int type = rest.lastIndexOf('.');
                int version = rest.lastIndexOf('.', type - 1);
                if (version < 0) {
                    return null;
                }
                return rest.substring(0, version).replace('.', '/') + "/" + rest.substring(version + 1, type)
                        + "." + rest.substring(type + 1);
            }
        }
        return null;
    }
}
