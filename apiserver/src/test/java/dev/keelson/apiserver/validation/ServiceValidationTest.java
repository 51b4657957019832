package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;

import dev.keelson.apiserver.registry.ServiceStrategy;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceValidationTest {

    private static String svc(String spec) {
        return "{metadata:{name:'web', namespace:'default', uid:'u', resourceVersion:'1'}, spec:{" + spec + "}}";
    }

    private static List<FieldError> service(String spec) {
        return create("v1", "Service", svc(spec));
    }

    @Test
    void clusterIpServiceWithOnePortIsValid() {
        assertValid(service("selector:{app:'web'}, ports:[{port:80, targetPort:'http'}]"));
    }

    @Test
    void portsAreRequiredUnlessHeadlessOrExternalName() {
        assertOnly(service("selector:{app:'web'}"), FieldError.REQUIRED, "spec.ports", "Required value");
        assertValid(service("clusterIP:'None', selector:{app:'web'}"));
        assertValid(service("type:'ExternalName', externalName:'db.example.com'"));
    }

    @Test
    void serviceNamesAreDns1035Labels() {
        assertOnly(create("v1", "Service", "{metadata:{name:'1web', namespace:'d'}, spec:{ports:[{port:80}]}}"),
                FieldError.INVALID, "metadata.name", "Invalid value: \"1web\": a DNS-1035 label must consist of lower case "
                        + "alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric "
                        + "character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
    }

    @Test
    void portNumbersAndNames() {
        assertHas(service("ports:[{port:0}]"), FieldError.INVALID, "spec.ports[0].port",
                "Invalid value: 0: must be between 1 and 65535, inclusive");
        assertOnly(service("ports:[{port:80, name:'http'}, {port:443}]"), FieldError.REQUIRED, "spec.ports[1].name",
                "Required value");
        assertOnly(service("ports:[{port:80, name:'http'}, {port:443, name:'http'}]"), FieldError.DUPLICATE,
                "spec.ports[1].name", "Duplicate value: \"http\"");
        assertOnly(service("ports:[{port:80, targetPort:'web_1'}]"), FieldError.INVALID, "spec.ports[0].targetPort",
                "Invalid value: \"web_1\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        assertOnly(service("ports:[{port:80, protocol:'ICMP'}]"), FieldError.NOT_SUPPORTED, "spec.ports[0].protocol",
                "Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
    }

    @Test
    void nodePortOnlyForNodePortAndLoadBalancerWithinTheRange() {
        assertValid(service("type:'NodePort', ports:[{port:80, nodePort:30080}]"));
        assertOnly(service("ports:[{port:80, nodePort:30080}]"), FieldError.FORBIDDEN, "spec.ports[0].nodePort",
                "Forbidden: may not be used when `type` is 'ClusterIP'");
        assertOnly(service("type:'NodePort', ports:[{port:80, nodePort:80}]"), FieldError.INVALID, "spec.ports[0].nodePort",
                "Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767");
    }

    @Test
    void nodePortRangeIsConfigurable() {
        var obj = Objects.json(svc("type:'NodePort', ports:[{port:80, nodePort:40000}]"));
        Defaults.service(obj);
        assertValid(new ServiceStrategy(null, "10.96.0.0/12", 40000, 40100).validate(obj));
        assertOnly(new ServiceStrategy(null, "10.96.0.0/12", 30000, 30100).validate(obj),
                FieldError.INVALID, "spec.ports[0].nodePort",
                "Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-30100");
    }

    @Test
    void typeIsAnEnum() {
        assertOnly(service("type:'Internal', ports:[{port:80}]"), FieldError.NOT_SUPPORTED, "spec.type",
                "Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
    }

    @Test
    void clusterIpIsNoneOrAnIp() {
        assertValid(service("clusterIP:'10.96.0.10', ports:[{port:53}]"));
        assertOnly(service("clusterIP:'10.96.0', ports:[{port:53}]"), FieldError.INVALID, "spec.clusterIPs[0]",
                "Invalid value: \"10.96.0\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        assertOnly(service("type:'NodePort', clusterIP:'None', ports:[{port:53}]"), FieldError.INVALID, "spec.clusterIPs[0]",
                "Invalid value: \"None\": may not be set to 'None' for NodePort services");
    }

    @Test
    void selectorIsALabelSet() {
        assertOnly(service("selector:{'app/x/y':'web'}, ports:[{port:80}]"), FieldError.INVALID, "spec.selector",
                "Invalid value: \"app/x/y\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
                        + "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
                        + "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
                        + "and '/' (e.g. 'example.com/MyName')");
    }

    @Test
    void clusterIpIsImmutableExceptToOrFromExternalName() {
        String old = svc("clusterIP:'10.96.0.10', ports:[{port:80}]");
        assertValid(update("v1", "Service", svc("clusterIP:'10.96.0.10', ports:[{port:8080}]"), old));
        assertOnly(update("v1", "Service", svc("clusterIP:'10.96.0.11', ports:[{port:80}]"), old), FieldError.INVALID,
                "spec.clusterIPs[0]", "Invalid value: []string{\"10.96.0.11\"}: may not change once set");
        assertValid(update("v1", "Service", svc("type:'ExternalName', externalName:'example.com'"), old));
    }
}
