package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.keelson.apiserver.patch.Json.obj;
import static dev.keelson.apiserver.patch.Json.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerSideApplyTest {
    private static final Class<?> DEPLOYMENT = io.fabric8.kubernetes.api.model.apps.Deployment.class;


    private static ObjectNode manifest(int replicas, String... containers) {
        StringBuilder list = new StringBuilder();
        for (String c : containers) {
            list.append(list.length() == 0 ? "" : ",").append("{'name':'").append(c).append("','image':'").append(c)
                    .append(":1'}");
        }
        return obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default',"
                + "'labels':{'app':'web'}},'spec':{'replicas':" + replicas + ",'selector':{'matchLabels':{'app':'web'}},"
                + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[" + list + "]}}}}");
    }

    private static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force) {
        return ServerSideApply.apply(live, applied, manager, force, "apps/v1", DEPLOYMENT);
    }

    private static JsonNode entry(JsonNode obj, String manager) {
        for (JsonNode e : obj.at("/metadata/managedFields")) {
            if (e.path("manager").asText().equals(manager)) {
                return e;
            }
        }
        return null;
    }

    @Test
    void twoManagersApplyingItemsOfOneSetListShareItWithoutConflict() {
        ObjectNode first = apply(null, obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                + "'finalizers':['a.example/one']}}"), "one", false);
        ObjectNode second = apply(first, obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                + "'finalizers':['b.example/two']}}"), "two", false);
        assertEquals(List.of("a.example/one", "b.example/two"),
                Json.MAPPER.convertValue(second.at("/metadata/finalizers"), List.class).stream().sorted().toList());
        ObjectNode dropped = apply(second, obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'}}"),
                "one", false);
        assertEquals(List.of("b.example/two"), Json.MAPPER.convertValue(dropped.at("/metadata/finalizers"), List.class));
    }

    @Test
    void keysOfSeveralFieldsIdentifyListMapItems() {
        MergeType.Field ports = new MergeType.Field("ports", true, List.of("protocol", "port"), false, false,
                MergeType.UNKNOWN);
        MergeType spec = name -> "ports".equals(name) ? ports : null;
        MergeType root = name -> "spec".equals(name)
                ? new MergeType.Field("spec", false, List.of(), false, false, spec) : null;
        ObjectNode live = ServerSideApply.apply(null, obj("{'apiVersion':'v1','kind':'X','metadata':{'name':'x'},"
                + "'spec':{'ports':[{'port':53,'protocol':'UDP','name':'dns'}]}}"), "a", false, "v1", root);
        ObjectNode merged = ServerSideApply.apply(live, obj("{'apiVersion':'v1','kind':'X','metadata':{'name':'x'},"
                + "'spec':{'ports':[{'port':53,'protocol':'TCP','name':'dns-tcp'}]}}"), "b", false, "v1", root);
        assertEquals(2, merged.at("/spec/ports").size(), merged.toString());
        String fields = entry(merged, "b").path("fieldsV1").toString();
        assertTrue(fields.contains("k:{\\\"port\\\":53,\\\"protocol\\\":\\\"TCP\\\"}"), fields);
        ApplyConflictException clash = assertThrows(ApplyConflictException.class, () -> ServerSideApply.apply(merged,
                obj("{'apiVersion':'v1','kind':'X','metadata':{'name':'x'},'spec':{'ports':[{'port':53,"
                        + "'protocol':'UDP','name':'other'}]}}"), "b", false, "v1", root));
        assertEquals(".spec.ports[port=53,protocol=\"UDP\"].name", clash.conflicts().get(0).field());
    }

    @Test
    void applyCreatesObjectAndRecordsOwnedFieldsAsFieldsV1() throws Exception {
        ObjectNode created = apply(null, manifest(2, "web"), "kubectl", false);
        assertEquals(2, created.at("/spec/replicas").asInt());
        JsonNode e = entry(created, "kubectl");
        assertEquals("Apply", e.path("operation").asText());
        assertEquals("apps/v1", e.path("apiVersion").asText());
        assertEquals("FieldsV1", e.path("fieldsType").asText());
        assertTrue(e.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        String key = "k:{\\\"name\\\":\\\"web\\\"}";
        assertEquals(Json.MAPPER.readTree("{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},"
                + "\"f:spec\":{\"f:replicas\":{},\"f:selector\":{},\"f:template\":{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}},"
                + "\"f:spec\":{\"f:containers\":{\"" + key + "\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}}}"),
                e.path("fieldsV1"));
    }

    @Test
    void applyConflictsWithFieldOwnedByAnotherManagerUnlessForced() {
        ObjectNode live = ServerSideApply.recordUpdate(null, manifest(2, "web"), "kubectl-client-side-apply", "Update",
                DEPLOYMENT);
        ApplyConflictException e = assertThrows(ApplyConflictException.class,
                () -> apply(live, manifest(3, "web"), "kubectl", false));
        assertEquals(List.of(new ApplyConflictException.Conflict(".spec.replicas", "kubectl-client-side-apply")),
                e.conflicts());
        assertEquals("conflict with \"kubectl-client-side-apply\": .spec.replicas", e.conflicts().get(0).message());

        ObjectNode forced = apply(live, manifest(3, "web"), "kubectl", true);
        assertEquals(3, forced.at("/spec/replicas").asInt());
        assertTrue(entry(forced, "kubectl").at("/fieldsV1/f:spec/f:replicas").isObject());
        assertTrue(entry(forced, "kubectl-client-side-apply").at("/fieldsV1/f:spec/f:replicas").isMissingNode());
    }

    @Test
    void applyingTheSameValuesSharesOwnershipWithoutConflict() {
        ObjectNode live = ServerSideApply.recordUpdate(null, manifest(2, "web"), "kubectl-client-side-apply", "Update",
                DEPLOYMENT);
        ObjectNode result = apply(live, manifest(2, "web"), "kubectl", false);
        assertTrue(entry(result, "kubectl").at("/fieldsV1/f:spec/f:replicas").isObject());
        assertTrue(entry(result, "kubectl-client-side-apply").at("/fieldsV1/f:spec/f:replicas").isObject());
    }

    @Test
    void fieldsNoLongerAppliedAreRemovedUnlessAnotherManagerOwnsThem() {
        ObjectNode live = apply(null, manifest(2, "web", "sidecar"), "kubectl", false);
        ObjectNode labelled = live.deepCopy();
        ((ObjectNode) labelled.at("/metadata/labels")).put("team", "a");
        labelled = ServerSideApply.recordUpdate(live, labelled, "kubectl-label", "Update", DEPLOYMENT);
        assertTrue(entry(labelled, "kubectl-label").at("/fieldsV1/f:metadata/f:labels/f:team").isObject());

        ObjectNode result = apply(labelled, manifest(2, "web"), "kubectl", false);
        assertEquals(1, result.at("/spec/template/spec/containers").size());
        assertEquals("web", result.at("/spec/template/spec/containers/0/name").asText());
        assertEquals("a", result.at("/metadata/labels/team").asText());
        assertTrue(entry(result, "kubectl").at("/fieldsV1/f:spec/f:template/f:spec/f:containers")
                .toString().contains("web"));
        assertFalse(entry(result, "kubectl").toString().contains("sidecar"));
    }

    @Test
    void applyMergesKeyedListsWithItemsOfOtherManagers() {
        ObjectNode live = apply(null, manifest(2, "web"), "kubectl", false);
        ObjectNode withSidecar = apply(live, manifest(2, "sidecar"), "injector", false);
        assertEquals(parse("['web','sidecar']").size(), withSidecar.at("/spec/template/spec/containers").size());
        assertTrue(FieldSet.valueAt(withSidecar, List.of("f:spec", "f:template", "f:spec", "f:containers",
                "k:{\"name\":\"sidecar\"}")) != null);
    }

    @Test
    void updateTakesOwnershipOfChangedFieldsFromOtherManagers() {
        ObjectNode live = apply(null, manifest(2, "web"), "kubectl", false);
        ObjectNode scaled = live.deepCopy();
        ((ObjectNode) scaled.path("spec")).put("replicas", 5);
        ServerSideApply.recordUpdate(live, scaled, "kubectl-scale", "Update", DEPLOYMENT);
        assertTrue(entry(scaled, "kubectl-scale").at("/fieldsV1/f:spec/f:replicas").isObject());
        assertEquals("Update", entry(scaled, "kubectl-scale").path("operation").asText());
        assertTrue(entry(scaled, "kubectl").at("/fieldsV1/f:spec/f:replicas").isMissingNode());

        ApplyConflictException e = assertThrows(ApplyConflictException.class,
                () -> apply(scaled, manifest(2, "web"), "kubectl", false));
        assertEquals(".spec.replicas", e.conflicts().get(0).field());
    }

    @Test
    void fieldsV1RoundTripsThroughPathSet() {
        JsonNode tree = parse("{'f:metadata':{'f:finalizers':{'.':{},'v:\\\"a\\\"':{}}},'f:spec':{'f:x':{}}}");
        assertEquals(tree, FieldSet.fromFieldsV1(tree).toFieldsV1());
        assertEquals(".spec.template.spec.containers[name=\"web\"].image", FieldSet.format(List.of("f:spec",
                "f:template", "f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image")));
    }
}
