package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PodValidationTest {

    /** A pod whose spec is {@code spec} plus a valid single container unless the spec names its own containers. */
    private static List<FieldError> pod(String spec) {
        return create("v1", "Pod", "{metadata:{name:'p', namespace:'default'}, spec:" + spec + "}");
    }

    private static List<FieldError> container(String fields) {
        return pod("{containers:[{name:'app', image:'nginx:1.27'" + (fields.isEmpty() ? "" : ", " + fields) + "}]}");
    }

    @Test
    void minimalPodIsValid() {
        assertValid(container(""));
    }

    @Test
    void containersAreRequired() {
        assertOnly(pod("{}"), FieldError.REQUIRED, "spec.containers", "Required value");
    }

    @Test
    void containerNameMustBeADnsLabel() {
        assertOnly(pod("{containers:[{name:'App_1', image:'x'}]}"), FieldError.INVALID, "spec.containers[0].name",
                "Invalid value: \"App_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                        + "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                        + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }

    @Test
    void containerNamesAreUniqueAcrossInitContainers() {
        assertValid(pod("{initContainers:[{name:'init', image:'x'}], containers:[{name:'app', image:'x'}]}"));
        assertOnly(pod("{initContainers:[{name:'app', image:'x'}], containers:[{name:'app', image:'x'}]}"),
                FieldError.DUPLICATE, "spec.initContainers[0].name", "Duplicate value: \"app\"");
        assertOnly(pod("{containers:[{name:'app', image:'x'}, {name:'app', image:'y'}]}"),
                FieldError.DUPLICATE, "spec.containers[1].name", "Duplicate value: \"app\"");
    }

    @Test
    void imageIsRequired() {
        assertOnly(pod("{containers:[{name:'app'}]}"), FieldError.REQUIRED, "spec.containers[0].image", "Required value");
    }

    @Test
    void containerPortsMustBeInRangeWithAKnownProtocol() {
        assertValid(container("ports:[{containerPort:80, name:'http'}, {containerPort:53, protocol:'UDP'}]"));
        assertOnly(container("ports:[{containerPort:70000}]"), FieldError.INVALID, "spec.containers[0].ports[0].containerPort",
                "Invalid value: 70000: must be between 1 and 65535, inclusive");
        assertOnly(container("ports:[{containerPort:80, protocol:'HTTP'}]"), FieldError.NOT_SUPPORTED,
                "spec.containers[0].ports[0].protocol", "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
        assertOnly(container("ports:[{name:'http'}]"), FieldError.REQUIRED, "spec.containers[0].ports[0].containerPort",
                "Required value");
    }

    @Test
    void namedPortsAreIanaServiceNames() {
        assertOnly(container("ports:[{containerPort:80, name:'80'}]"), FieldError.INVALID, "spec.containers[0].ports[0].name",
                "Invalid value: \"80\": must contain at least one letter (a-z)");
        assertOnly(container("ports:[{containerPort:80, name:'web'}, {containerPort:81, name:'web'}]"), FieldError.DUPLICATE,
                "spec.containers[0].ports[1].name", "Duplicate value: \"web\"");
    }

    @Test
    void envNamesAreChecked() {
        assertValid(container("env:[{name:'MY_VAR', value:'1'}]"));
        assertOnly(container("env:[{name:'1VAR', value:'1'}]"), FieldError.INVALID, "spec.containers[0].env[0].name",
                "Invalid value: \"1VAR\": a valid environment variable name must consist of alphabetic characters, digits, '_', "
                        + "'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', "
                        + "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
        assertOnly(container("env:[{value:'1'}]"), FieldError.REQUIRED, "spec.containers[0].env[0].name", "Required value");
    }

    @Test
    void envValueFromNeedsExactlyOneSource() {
        assertValid(container("env:[{name:'NODE', valueFrom:{fieldRef:{fieldPath:'spec.nodeName'}}}]"));
        assertOnly(container("env:[{name:'X', valueFrom:{}}]"), FieldError.INVALID, "spec.containers[0].env[0].valueFrom",
                "Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
    }

    @Test
    void resourceQuantitiesMustParse() {
        assertValid(container("resources:{requests:{cpu:'100m', memory:'64Mi'}, limits:{cpu:1, memory:'128Mi'}}"));
        assertOnly(container("resources:{requests:{cpu:'lots'}}"), FieldError.INVALID,
                "spec.containers[0].resources.requests[cpu]", "Invalid value: \"lots\": quantities must match the regular "
                        + "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        assertOnly(container("resources:{requests:{cpu:'-1'}}"), FieldError.INVALID, "spec.containers[0].resources.requests[cpu]",
                "Invalid value: \"-1\": must be greater than or equal to 0");
        assertOnly(container("resources:{requests:{gpu:'1'}}"), FieldError.INVALID, "spec.containers[0].resources.requests[gpu]",
                "Invalid value: \"gpu\": must be a standard resource for containers");
    }

    @Test
    void requestsMayNotExceedLimits() {
        assertOnly(container("resources:{requests:{cpu:'1500m'}, limits:{cpu:'1'}}"), FieldError.INVALID,
                "spec.containers[0].resources.requests", "Invalid value: \"1500m\": must be less than or equal to cpu limit of 1");
    }

    @Test
    void enumFieldsRejectUnknownValues() {
        assertOnly(container("imagePullPolicy:'Sometimes'"), FieldError.NOT_SUPPORTED, "spec.containers[0].imagePullPolicy",
                "Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"");
        assertOnly(pod("{restartPolicy:'Maybe', containers:[{name:'a', image:'x'}]}"), FieldError.NOT_SUPPORTED,
                "spec.restartPolicy", "Unsupported value: \"Maybe\": supported values: \"Always\", \"OnFailure\", \"Never\"");
        assertOnly(pod("{dnsPolicy:'Google', containers:[{name:'a', image:'x'}]}"), FieldError.NOT_SUPPORTED, "spec.dnsPolicy",
                "Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"");
    }

    @Test
    void probesNeedExactlyOneHandler() {
        assertValid(container("livenessProbe:{httpGet:{port:8080}}, readinessProbe:{tcpSocket:{port:'http'}}"));
        assertOnly(container("livenessProbe:{periodSeconds:5}"), FieldError.REQUIRED, "spec.containers[0].livenessProbe",
                "Required value: must specify a handler type");
        assertOnly(container("readinessProbe:{exec:{command:['true']}, tcpSocket:{port:80}}"), FieldError.FORBIDDEN,
                "spec.containers[0].readinessProbe.tcpSocket", "Forbidden: may not specify more than 1 handler type");
        assertOnly(container("livenessProbe:{exec:{command:['true']}, successThreshold:2}"), FieldError.INVALID,
                "spec.containers[0].livenessProbe.successThreshold", "Invalid value: 2: must be 1");
        assertOnly(container("readinessProbe:{tcpSocket:{port:0}}"), FieldError.INVALID,
                "spec.containers[0].readinessProbe.tcpSocket.port", "Invalid value: 0: must be between 1 and 65535, inclusive");
    }

    @Test
    void volumesHaveUniqueNamesAndOneSource() {
        assertValid(pod("{volumes:[{name:'data'}, {name:'cfg', configMap:{name:'c'}}], containers:[{name:'a', image:'x', "
                + "volumeMounts:[{name:'data', mountPath:'/data'}, {name:'cfg', mountPath:'/etc/cfg'}]}]}"));
        assertOnly(pod("{volumes:[{name:'data'}, {name:'data'}], containers:[{name:'a', image:'x'}]}"),
                FieldError.DUPLICATE, "spec.volumes[1].name", "Duplicate value: \"data\"");
        assertOnly(pod("{volumes:[{name:'v', emptyDir:{}, hostPath:{path:'/tmp'}}], containers:[{name:'a', image:'x'}]}"),
                FieldError.FORBIDDEN, "spec.volumes[0].hostPath", "Forbidden: may not specify more than 1 volume type");
    }

    @Test
    void volumeMountsMustReferToAVolume() {
        assertOnly(container("volumeMounts:[{name:'missing', mountPath:'/m'}]"), FieldError.NOT_FOUND,
                "spec.containers[0].volumeMounts[0].name", "Not found: \"missing\"");
    }

    @Test
    void terminationGracePeriodMayNotBeNegative() {
        assertValid(pod("{terminationGracePeriodSeconds:0, containers:[{name:'a', image:'x'}]}"));
        assertOnly(pod("{terminationGracePeriodSeconds:-1, containers:[{name:'a', image:'x'}]}"), FieldError.INVALID,
                "spec.terminationGracePeriodSeconds", "Invalid value: -1: must be greater than or equal to 0");
    }

    @Test
    void tolerationsAreChecked() {
        assertValid(pod("{tolerations:[{key:'node.kubernetes.io/not-ready', operator:'Exists', effect:'NoExecute', "
                + "tolerationSeconds:300}, {operator:'Exists'}], containers:[{name:'a', image:'x'}]}"));
        assertOnly(pod("{tolerations:[{operator:'Equal', value:'x'}], containers:[{name:'a', image:'x'}]}"), FieldError.INVALID,
                "spec.tolerations[0].operator", "Invalid value: \"Equal\": operator must be Exists when `key` is empty, which "
                        + "means \"match all values and all keys\"");
        assertOnly(pod("{tolerations:[{key:'k', effect:'Sometimes'}], containers:[{name:'a', image:'x'}]}"),
                FieldError.NOT_SUPPORTED, "spec.tolerations[0].effect",
                "Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
        assertOnly(pod("{tolerations:[{key:'k', tolerationSeconds:5, effect:'NoSchedule'}], containers:[{name:'a', image:'x'}]}"),
                FieldError.INVALID, "spec.tolerations[0].effect",
                "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set");
    }

    @Test
    void nodeSelectorIsAValidLabelSet() {
        assertValid(pod("{nodeSelector:{'kubernetes.io/os':'linux'}, containers:[{name:'a', image:'x'}]}"));
        assertOnly(pod("{nodeSelector:{'kubernetes.io/os':'linux!'}, containers:[{name:'a', image:'x'}]}"), FieldError.INVALID,
                "spec.nodeSelector", "Invalid value: \"linux!\": a valid label must be an empty string or consist of alphanumeric "
                        + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                        + "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    }

    private static final String OLD_POD = "{metadata:{name:'p', namespace:'default', uid:'u', resourceVersion:'3'}, spec:{"
            + "nodeName:'n1', tolerations:[{key:'a', operator:'Exists'}], containers:[{name:'app', image:'nginx:1.26', "
            + "ports:[{containerPort:80}]}]}}";

    private static String podWith(String spec) {
        return "{metadata:{name:'p', namespace:'default', uid:'u', resourceVersion:'3'}, spec:{" + spec + "}}";
    }

    @Test
    void podUpdateMayChangeImagesAndAddTolerations() {
        assertValid(update("v1", "Pod", podWith("nodeName:'n1', tolerations:[{key:'a', operator:'Exists'}, {key:'b', "
                + "operator:'Exists'}], activeDeadlineSeconds:60, containers:[{name:'app', image:'nginx:1.27', "
                + "ports:[{containerPort:80}]}]"), OLD_POD));
    }

    @Test
    void podUpdateMayNotChangeOtherSpecFields() {
        List<FieldError> errs = update("v1", "Pod", podWith("nodeName:'n1', tolerations:[{key:'a', operator:'Exists'}], "
                + "containers:[{name:'app', image:'nginx:1.26', ports:[{containerPort:81}]}]"), OLD_POD);
        assertEquals(1, errs.size(), errs::toString);
        assertEquals("spec", errs.get(0).field());
        assertEquals(FieldError.FORBIDDEN, errs.get(0).reason());
        assertTrue(errs.get(0).message().startsWith("Forbidden: pod updates may not change fields other than "
                + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                + "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                + "was previously negative)\n"), errs.get(0)::message);
        assertTrue(errs.get(0).message().contains("spec.containers[0].ports[0].containerPort"), errs.get(0)::message);
    }

    @Test
    void podUpdateMayNotRemoveTolerationsOrContainers() {
        assertOnly(update("v1", "Pod", podWith("nodeName:'n1', containers:[{name:'app', image:'nginx:1.26', "
                        + "ports:[{containerPort:80}]}]"), OLD_POD),
                FieldError.FORBIDDEN, "spec.tolerations", "Forbidden: existing toleration can not be modified except its tolerationSeconds");
        assertOnly(update("v1", "Pod", podWith("nodeName:'n1', tolerations:[{key:'a', operator:'Exists'}], containers:["
                        + "{name:'app', image:'nginx:1.26', ports:[{containerPort:80}]}, {name:'b', image:'x'}]"), OLD_POD),
                FieldError.FORBIDDEN, "spec.containers", "Forbidden: pod updates may not add or remove containers");
    }

    @Test
    void activeDeadlineMayOnlyShrink() {
        String old = podWith("activeDeadlineSeconds:30, containers:[{name:'app', image:'x'}]");
        assertValid(update("v1", "Pod", podWith("activeDeadlineSeconds:10, containers:[{name:'app', image:'x'}]"), old));
        assertOnly(update("v1", "Pod", podWith("activeDeadlineSeconds:60, containers:[{name:'app', image:'x'}]"), old),
                FieldError.INVALID, "spec.activeDeadlineSeconds", "Invalid value: 60: must be less than or equal to previous value");
    }

    @Test
    void bindingNeedsATargetName() {
        assertValid(Objects.errors(e -> CoordinationValidation.binding(e,
                Objects.json("{metadata:{name:'p', namespace:'d'}, target:{kind:'Node', name:'n1'}}"))));
        assertOnly(Objects.errors(e -> CoordinationValidation.binding(e,
                        Objects.json("{metadata:{name:'p', namespace:'d'}, target:{}}"))),
                FieldError.REQUIRED, "target.name", "Required value");
    }

    private static List<FieldError> nodeAffinity(String requirement) {
        return pod("{containers:[{name:'app', image:'x'}], affinity:{nodeAffinity:{requiredDuringSchedulingIgnoredDuringExecution:"
                + "{nodeSelectorTerms:[{matchExpressions:[" + requirement + "]}]}}}}");
    }

    @Test
    void nodeAffinityRequirementsFollowTheirOperator() {
        String path = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                + ".matchExpressions[0]";
        assertValid(nodeAffinity("{key:'disk', operator:'In', values:['ssd']}"));
        assertValid(nodeAffinity("{key:'cores', operator:'Gt', values:['4']}"));
        assertOnly(nodeAffinity("{key:'cores', operator:'Gt', values:['4', '8']}"), FieldError.REQUIRED, path + ".values",
                "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'");
        assertOnly(nodeAffinity("{key:'disk', operator:'Exists', values:['ssd']}"), FieldError.FORBIDDEN, path + ".values",
                "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        assertOnly(nodeAffinity("{key:'disk', operator:'In', values:['not valid']}"), FieldError.INVALID,
                path + ".values[0]", "Invalid value: \"not valid\": a valid label must be an empty string or consist of "
                        + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
                        + "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                        + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    }
}
