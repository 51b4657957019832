package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** ReplicationControllers, PodTemplates and ControllerRevisions, as core and apps validation report them. */
class ControllerKindsValidationTest {
    private static final String TEMPLATE = "template:{metadata:{labels:{app:'web'}}, "
            + "spec:{containers:[{name:'c', image:'nginx'}]}}";

    private static String rc(String spec) {
        return "{metadata:{name:'web', namespace:'default'}, spec:{" + spec + "}}";
    }

    @Test
    void replicationControllerSelectorAndLabelsDefaultFromItsTemplate() {
        ObjectNode obj = Objects.json(rc(TEMPLATE));
        Objects.strategy("v1", "ReplicationController").defaults(obj);
        assertEquals(Objects.json("{app:'web'}"), obj.at("/spec/selector"));
        assertEquals(Objects.json("{app:'web'}"), obj.at("/metadata/labels"));
        assertEquals(1, obj.at("/spec/replicas").asInt());
        assertEquals("Always", obj.at("/spec/template/spec/restartPolicy").asText());
        assertValid(Objects.strategy("v1", "ReplicationController").validate(obj));
    }

    @Test
    void replicationControllerSelectorMustMatchTheTemplate() {
        assertOnly(create("v1", "ReplicationController", rc("selector:{app:'db'}, " + TEMPLATE)), FieldError.INVALID,
                "spec.template.metadata.labels",
                "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`");
        assertOnly(create("v1", "ReplicationController", rc("template:{spec:{containers:[{name:'c', image:'x'}]}}")),
                FieldError.REQUIRED, "spec.selector", "Required value");
    }

    @Test
    void replicationControllerPodsMustRestartAlwaysAndCountsBeNonNegative() {
        assertHas(create("v1", "ReplicationController", rc("replicas:-1, " + TEMPLATE.replace("spec:{",
                "spec:{restartPolicy:'Never', activeDeadlineSeconds:5, "))), FieldError.NOT_SUPPORTED,
                "spec.template.spec.restartPolicy", "Unsupported value: \"Never\": supported values: \"Always\"");
        assertHas(create("v1", "ReplicationController", rc("replicas:-1, " + TEMPLATE)), FieldError.INVALID,
                "spec.replicas", "Invalid value: -1: must be greater than or equal to 0");
        assertHas(create("v1", "ReplicationController", rc(TEMPLATE.replace("spec:{",
                "spec:{activeDeadlineSeconds:5, "))), FieldError.FORBIDDEN, "spec.template.spec.activeDeadlineSeconds",
                "Forbidden: activeDeadlineSeconds in ReplicationController is not Supported");
    }

    @Test
    void replicationControllerStatusCountsAreBoundedByReplicas() {
        String old = "{metadata:{name:'web', namespace:'default', uid:'u'}, spec:{" + TEMPLATE + "}}";
        String updated = "{metadata:{name:'web', namespace:'default', uid:'u'}, spec:{" + TEMPLATE + "}, "
                + "status:{replicas:1, readyReplicas:2, availableReplicas:1}}";
        assertOnly(update("v1", "ReplicationController", updated, old), FieldError.INVALID, "status.readyReplicas",
                "Invalid value: 2: cannot be greater than status.replicas");
    }

    @Test
    void podTemplateValidatesItsPodTemplate() {
        assertValid(create("v1", "PodTemplate", "{metadata:{name:'t', namespace:'default'}, " + TEMPLATE + "}"));
        assertOnly(create("v1", "PodTemplate", "{metadata:{name:'t', namespace:'default'}, template:{spec:{}}}"),
                FieldError.REQUIRED, "template.spec.containers", "Required value");
    }

    @Test
    void controllerRevisionNeedsDataThatNeverChanges() {
        String old = "{metadata:{name:'r', namespace:'default', uid:'u'}, data:{a:1}, revision:1}";
        assertValid(create("apps/v1", "ControllerRevision", old));
        assertOnly(create("apps/v1", "ControllerRevision", "{metadata:{name:'r', namespace:'default'}, revision:-1, "
                + "data:{}}"), FieldError.INVALID, "revision", "Invalid value: -1: must be greater than or equal to 0");
        assertOnly(create("apps/v1", "ControllerRevision", "{metadata:{name:'r', namespace:'default'}, revision:1}"),
                FieldError.REQUIRED, "data", "Required value: data is mandatory");
        assertValid(update("apps/v1", "ControllerRevision", old.replace("revision:1", "revision:2"), old));
        assertOnly(update("apps/v1", "ControllerRevision", old.replace("a:1", "a:2"), old), FieldError.INVALID, "data",
                "Invalid value: runtime.RawExtension{Raw:[]uint8{0x7b, 0x22, 0x61, 0x22, 0x3a, 0x32, 0x7d}, "
                        + "Object:runtime.Object(nil)}: field is immutable");
    }
}
