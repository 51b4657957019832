package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class OtherKindsValidationTest {

    @Test
    void namespaceNamesAreDnsLabels() {
        assertValid(create("v1", "Namespace", "{metadata:{name:'team-a'}}"));
        assertOnly(create("v1", "Namespace", "{metadata:{name:'team.a'}}"), FieldError.INVALID, "metadata.name",
                "Invalid value: \"team.a\": must not contain dots");
    }

    @Test
    void nodeTaintsAndPodCidrs() {
        assertValid(create("v1", "Node", "{metadata:{name:'n1'}, spec:{podCIDR:'10.244.1.0/24', taints:[{key:'k', "
                + "effect:'NoSchedule'}]}, status:{capacity:{cpu:'4', memory:'8Gi', pods:'110'}}}"));
        assertOnly(create("v1", "Node", "{metadata:{name:'n1'}, spec:{taints:[{key:'k', effect:'Never'}]}}"),
                FieldError.NOT_SUPPORTED, "metadata.taints[0].effect",
                "Unsupported value: \"Never\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
        assertOnly(create("v1", "Node", "{metadata:{name:'n1'}, spec:{podCIDRs:['10.244.1.0/33']}}"), FieldError.INVALID,
                "spec.podCIDRs[0]", "Invalid value: \"10.244.1.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
    }

    @Test
    void nodePodCidrIsSetOnce() {
        String old = "{metadata:{name:'n1', uid:'u'}, spec:{podCIDR:'10.244.1.0/24', podCIDRs:['10.244.1.0/24']}}";
        assertValid(update("v1", "Node", "{metadata:{name:'n1', uid:'u'}, spec:{podCIDR:'10.244.1.0/24', "
                + "podCIDRs:['10.244.1.0/24'], unschedulable:true}}", old));
        assertValid(update("v1", "Node", old, "{metadata:{name:'n1', uid:'u'}}"));
        assertOnly(update("v1", "Node", "{metadata:{name:'n1', uid:'u'}, spec:{podCIDRs:['10.244.2.0/24']}}", old),
                FieldError.FORBIDDEN, "spec.podCIDRs", "Forbidden: node updates may not change podCIDR except from \"\" to valid");
    }

    @Test
    void configMapKeysAndTotalSize() {
        assertValid(create("v1", "ConfigMap", "{metadata:{name:'c', namespace:'d'}, data:{'app.properties':'x=1'}}"));
        assertOnly(create("v1", "ConfigMap", "{metadata:{name:'c', namespace:'d'}, data:{'a/b':'x'}}"), FieldError.INVALID,
                "data[a/b]", "Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
                        + "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        String big = "x".repeat(600 * 1024);
        assertOnly(create("v1", "ConfigMap", "{metadata:{name:'c', namespace:'d'}, data:{a:'" + big + "', b:'" + big + "'}}"),
                FieldError.TOO_LONG, "", "Too long: may not be more than 1048576 bytes");
    }

    @Test
    void immutableConfigMapDataCannotChange() {
        String old = "{metadata:{name:'c', namespace:'d', uid:'u'}, immutable:true, data:{a:'1'}}";
        assertValid(update("v1", "ConfigMap", "{metadata:{name:'c', namespace:'d', uid:'u', labels:{x:'y'}}, immutable:true, "
                + "data:{a:'1'}}", old));
        assertOnly(update("v1", "ConfigMap", "{metadata:{name:'c', namespace:'d', uid:'u'}, immutable:true, data:{a:'2'}}", old),
                FieldError.FORBIDDEN, "data", "Forbidden: field is immutable when `immutable` is set");
    }

    @Test
    void dockerConfigJsonSecretNeedsItsKey() {
        String cfg = Base64.getEncoder().encodeToString("{\"auths\":{}}".getBytes());
        assertValid(create("v1", "Secret", "{metadata:{name:'s', namespace:'d'}, type:'kubernetes.io/dockerconfigjson', "
                + "data:{'.dockerconfigjson':'" + cfg + "'}}"));
        assertOnly(create("v1", "Secret", "{metadata:{name:'s', namespace:'d'}, type:'kubernetes.io/dockerconfigjson', data:{}}"),
                FieldError.REQUIRED, "data[.dockerconfigjson]", "Required value");
    }

    @Test
    void secretTypeIsImmutableAndDataIsBase64() {
        String old = "{metadata:{name:'s', namespace:'d', uid:'u'}, type:'Opaque'}";
        assertOnly(update("v1", "Secret", "{metadata:{name:'s', namespace:'d', uid:'u'}, type:'kubernetes.io/tls', "
                        + "data:{'tls.crt':'', 'tls.key':''}}", old),
                FieldError.INVALID, "type", "Invalid value: \"kubernetes.io/tls\": field is immutable");
        assertOnly(create("v1", "Secret", "{metadata:{name:'s', namespace:'d'}, data:{a:'not base64!'}}"),
                FieldError.TYPE_INVALID, "data[a]", "Invalid value: \"<secret contents redacted>\": must be base64-encoded");
    }

    @Test
    void endpointsNeedAddressesAndValidIps() {
        assertValid(create("v1", "Endpoints", "{metadata:{name:'web', namespace:'d'}, subsets:[{addresses:[{ip:'10.244.1.5'}], "
                + "ports:[{port:8080}]}]}"));
        assertOnly(create("v1", "Endpoints", "{metadata:{name:'web', namespace:'d'}, subsets:[{ports:[{port:8080}]}]}"),
                FieldError.REQUIRED, "subsets[0]", "Required value: must specify `addresses` or `notReadyAddresses`");
        assertOnly(create("v1", "Endpoints", "{metadata:{name:'web', namespace:'d'}, subsets:[{addresses:[{ip:'127.0.0.1'}]}]}"),
                FieldError.INVALID, "subsets[0].addresses[0].ip",
                "Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)");
    }

    @Test
    void endpointSliceAddressTypeAndAddresses() {
        String ok = "{metadata:{name:'web-abc', namespace:'d'}, addressType:'IPv4', endpoints:[{addresses:['10.244.1.5'], "
                + "conditions:{ready:true}}], ports:[{name:'http', port:8080}]}";
        assertValid(create("discovery.k8s.io/v1", "EndpointSlice", ok));
        assertOnly(create("discovery.k8s.io/v1", "EndpointSlice", ok.replace("'IPv4'", "'IPv5'")), FieldError.NOT_SUPPORTED,
                "addressType", "Unsupported value: \"IPv5\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"");
        assertOnly(create("discovery.k8s.io/v1", "EndpointSlice", ok.replace("'10.244.1.5'", "'fe80::1'")), FieldError.INVALID,
                "endpoints[0].addresses[0]", "Invalid value: \"fe80::1\": must be a valid IPv4 address");
        assertOnly(create("discovery.k8s.io/v1", "EndpointSlice", ok.replace("addresses:['10.244.1.5']", "addresses:[]")),
                FieldError.REQUIRED, "endpoints[0].addresses", "Required value: must contain at least 1 address");
        assertOnly(update("discovery.k8s.io/v1", "EndpointSlice", ok.replace("'IPv4'", "'FQDN'")
                        .replace("'10.244.1.5'", "'web.example.com'"), ok),
                FieldError.INVALID, "addressType", "Invalid value: \"FQDN\": field is immutable");
    }

    @Test
    void leaseDurationMustBePositive() {
        assertValid(create("coordination.k8s.io/v1", "Lease", "{metadata:{name:'n1', namespace:'kube-node-lease'}, "
                + "spec:{holderIdentity:'n1', leaseDurationSeconds:40}}"));
        assertOnly(create("coordination.k8s.io/v1", "Lease", "{metadata:{name:'n1', namespace:'kube-node-lease'}, "
                + "spec:{leaseDurationSeconds:0}}"), FieldError.INVALID, "spec.leaseDurationSeconds",
                "Invalid value: 0: must be greater than 0");
    }

    @Test
    void coreEventInvolvedObjectMustBeInTheEventsNamespace() {
        String event = "{metadata:{name:'web.17a', namespace:'%s'}, involvedObject:{kind:'Pod', name:'web', namespace:'%s'}, "
                + "reason:'Scheduled', message:'ok', type:'Normal'}";
        assertValid(create("v1", "Event", String.format(event, "apps", "apps")));
        assertOnly(create("v1", "Event", String.format(event, "apps", "other")), FieldError.INVALID, "involvedObject.namespace",
                "Invalid value: \"other\": does not match event.namespace");
    }

    @Test
    void eventsV1NeedEventTimeAndReportingFields() {
        String ok = "{metadata:{name:'e1', namespace:'d'}, eventTime:'2024-01-01T00:00:00.000000Z', reportingController:"
                + "'keelson.dev/scheduler', reportingInstance:'s-1', action:'Binding', reason:'Scheduled', type:'Normal', "
                + "regarding:{kind:'Pod', name:'p', namespace:'d'}}";
        assertValid(create("events.k8s.io/v1", "Event", ok));
        assertOnly(create("events.k8s.io/v1", "Event", ok.replace("eventTime:'2024-01-01T00:00:00.000000Z', ", "")),
                FieldError.REQUIRED, "eventTime", "Required value");
        assertHas(create("events.k8s.io/v1", "Event", ok.replace("'Normal'", "'Info'")), FieldError.INVALID, "type",
                "Invalid value: \"\": has invalid value: Info");
    }

    @Test
    void serviceAccountNamesAreSubdomains() {
        assertValid(create("v1", "ServiceAccount", "{metadata:{name:'default', namespace:'d'}}"));
        assertOnly(create("v1", "ServiceAccount", "{metadata:{name:'Default', namespace:'d'}}").subList(0, 1),
                FieldError.INVALID, "metadata.name", create("v1", "ServiceAccount",
                        "{metadata:{name:'Default', namespace:'d'}}").get(0).message());
        org.junit.jupiter.api.Assertions.assertTrue(create("v1", "ServiceAccount", "{metadata:{name:'Default', namespace:'d'}}")
                .get(0).message().startsWith("Invalid value: \"Default\": a lowercase RFC 1123 subdomain"));
    }
}
