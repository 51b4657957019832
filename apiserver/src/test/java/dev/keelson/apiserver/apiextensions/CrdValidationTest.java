package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.lines;
import static dev.keelson.apiserver.apiextensions.Yaml.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrdValidationTest {
    private static ObjectNode crd(String name, String group, String names, String versions) {
        ObjectNode c = obj("metadata: {name: " + name + "}\nspec: {group: " + group + ", scope: Namespaced, names: "
                + names + ", versions: " + versions + "}\n");
        CrdValidation.defaults(c);
        return c;
    }

    private static final String ONE = "[{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]";

    @Test
    void defaultsFillSingularListKindAndConversion() {
        ObjectNode c = crd("things.x.io", "x.io", "{plural: things, kind: Thing}", ONE);
        assertEquals("thing", c.at("/spec/names/singular").asText());
        assertEquals("ThingList", c.at("/spec/names/listKind").asText());
        assertEquals("None", c.at("/spec/conversion/strategy").asText());
        assertEquals(List.of(), lines(CrdValidation.validate(c)));
    }

    @Test
    void nameGroupAndNamesFollowKubernetesRules() {
        assertEquals(List.of("metadata.name: Invalid value: \"things.y.io\": must be spec.names.plural+\".\"+spec.group"),
                lines(CrdValidation.validate(crd("things.y.io", "x.io", "{plural: things, kind: Thing}", ONE))));
        assertEquals(List.of("spec.group: Invalid value: \"xio\": should be a domain with at least one dot"),
                lines(CrdValidation.validate(crd("things.xio", "xio", "{plural: things, kind: Thing}", ONE))));
        List<String> names = lines(CrdValidation.validate(crd("Things.x.io", "x.io",
                "{plural: Things, kind: Thing, shortNames: [t_1]}", ONE)));
        assertTrue(names.get(0).startsWith("spec.names.plural: Invalid value: \"Things\": a DNS-1035 label must "
                + "consist of lower case alphanumeric characters"), names.toString());
        assertTrue(names.get(1).startsWith("spec.names.shortNames[0]: Invalid value: \"t_1\""), names.toString());
    }

    @Test
    void exactlyOneStorageVersionAndUniqueNames() {
        List<String> errs = lines(CrdValidation.validate(crd("things.x.io", "x.io", "{plural: things, kind: Thing}",
                "[{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}},"
                        + " {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]")));
        assertEquals(2, errs.size(), errs.toString());
        assertTrue(errs.get(0).endsWith(": must contain unique version names"), errs.toString());
        assertTrue(errs.get(1).endsWith(": must have exactly one version marked as storage version"), errs.toString());
        assertEquals(List.of("spec.versions[0].schema.openAPIV3Schema: Required value"),
                lines(CrdValidation.validate(crd("things.x.io", "x.io", "{plural: things, kind: Thing}",
                        "[{name: v1, served: true, storage: true}]"))));
    }

    @Test
    void subresourcesColumnsAndConversionAreChecked() {
        List<String> errs = lines(CrdValidation.validate(crd("things.x.io", "x.io", "{plural: things, kind: Thing}",
                "[{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}},"
                        + " subresources: {scale: {specReplicasPath: .status.r, statusReplicasPath: r}},"
                        + " additionalPrinterColumns: [{name: X, type: text, jsonPath: .spec.x}]}]")));
        assertEquals(List.of(
                "spec.versions[0].subresources.scale.specReplicasPath: Invalid value: \".status.r\": should be a json "
                        + "path under .spec",
                "spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: \"r\": must be a simple json "
                        + "path starting with .",
                "spec.versions[0].additionalPrinterColumns[0].type: Invalid value: \"text\": must be one of "
                        + "boolean,date,integer,number,string"), errs);
        ObjectNode webhook = crd("things.x.io", "x.io", "{plural: things, kind: Thing}", ONE);
        webhook.with("spec").with("conversion").put("strategy", "Webhook");
        assertEquals(List.of("spec.conversion.strategy: Unsupported value: \"Webhook\": supported values: \"None\""),
                lines(CrdValidation.validate(webhook)));
    }

    @Test
    void groupAndScopeAreImmutable() {
        ObjectNode old = crd("things.x.io", "x.io", "{plural: things, kind: Thing}", ONE);
        ObjectNode changed = old.deepCopy();
        changed.with("spec").put("scope", "Cluster");
        assertEquals(List.of("spec.scope: Invalid value: \"Cluster\": field is immutable"),
                lines(CrdValidation.validateUpdate(changed, old)));
    }
}
