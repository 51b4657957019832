package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.assertHas;
import static dev.keelson.apiserver.validation.Objects.assertOnly;
import static dev.keelson.apiserver.validation.Objects.assertValid;
import static dev.keelson.apiserver.validation.Objects.create;
import static dev.keelson.apiserver.validation.Objects.update;

import org.junit.jupiter.api.Test;

class MetaValidationTest {

    private static final String DNS_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
            + "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static String cm(String metadata) {
        return "{apiVersion:'v1', kind:'ConfigMap', metadata:" + metadata + "}";
    }

    @Test
    void nameOrGenerateNameIsRequired() {
        assertValid(create("v1", "ConfigMap", cm("{name:'app', namespace:'default'}")));
        assertOnly(create("v1", "ConfigMap", cm("{namespace:'default'}")),
                FieldError.REQUIRED, "metadata.name", "Required value: name or generateName is required");
    }

    @Test
    void nameMustBeADnsSubdomainForMostKinds() {
        assertOnly(create("v1", "ConfigMap", cm("{name:'My_App', namespace:'default'}")),
                FieldError.INVALID, "metadata.name", "Invalid value: \"My_App\": " + DNS_SUBDOMAIN_MSG);
    }

    @Test
    void generateNameIsValidatedAsAPrefix() {
        assertValid(create("v1", "ConfigMap", cm("{generateName:'web-', name:'web-abcde', namespace:'default'}")));
        assertHas(create("v1", "ConfigMap", cm("{generateName:'Web-', name:'web-abcde', namespace:'default'}")),
                FieldError.INVALID, "metadata.generateName", "Invalid value: \"Web-\": " + DNS_SUBDOMAIN_MSG);
    }

    @Test
    void namespaceIsRequiredForNamespacedKindsAndForbiddenForClusterScopedOnes() {
        assertOnly(create("v1", "ConfigMap", cm("{name:'app'}")), FieldError.REQUIRED, "metadata.namespace", "Required value");
        assertValid(create("v1", "Node", "{metadata:{name:'node-1'}}"));
        assertOnly(create("v1", "Node", "{metadata:{name:'node-1', namespace:'default'}}"),
                FieldError.FORBIDDEN, "metadata.namespace", "Forbidden: not allowed on this type");
    }

    @Test
    void namespacedOverloadLetsTheCallerDecideScope() {
        var obj = Objects.json(cm("{name:'app'}"));
        assertValid(Objects.errors(e -> ConfigValidation.configMap(e, obj, false)));
    }

    @Test
    void labelKeysAndValuesAreChecked() {
        assertValid(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', labels:{'app.kubernetes.io/name':'web', tier:''}}")));
        assertHas(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', labels:{'-bad':'x'}}")), FieldError.INVALID,
                "metadata.labels", "Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', "
                        + "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                        + "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        assertHas(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', labels:{app:'" + "v".repeat(64) + "'}}")),
                FieldError.INVALID, "metadata.labels", "Invalid value: \"" + "v".repeat(64) + "\": must be no more than 63 characters");
    }

    @Test
    void annotationsMayNotExceed256KiBInTotal() {
        String big = "x".repeat(200 * 1024);
        assertValid(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', annotations:{a:'" + big + "'}}")));
        assertOnly(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', annotations:{a:'" + big + "', b:'" + big + "'}}")),
                FieldError.TOO_LONG, "metadata.annotations", "Too long: may not be more than 262144 bytes");
    }

    @Test
    void annotationKeysAreCaseInsensitiveQualifiedNames() {
        assertValid(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', annotations:{'Example.COM/Thing':'x'}}")));
        assertHas(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', annotations:{'a b':'x'}}")),
                FieldError.INVALID, "metadata.annotations", "Invalid value: \"a b\": name part must consist of alphanumeric "
                        + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
                        + "or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
    }

    @Test
    void ownerReferencesNeedApiVersionKindNameAndUid() {
        assertValid(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', ownerReferences:[{apiVersion:'apps/v1', "
                + "kind:'ReplicaSet', name:'rs', uid:'u1', controller:true}]}")));
        var errs = create("v1", "ConfigMap", cm("{name:'a', namespace:'d', ownerReferences:[{apiVersion:'apps/'}]}"));
        assertHas(errs, FieldError.INVALID, "metadata.ownerReferences.apiVersion", "Invalid value: \"apps/\": version must not be empty");
        assertHas(errs, FieldError.INVALID, "metadata.ownerReferences.kind", "Invalid value: \"\": must not be empty");
        assertHas(errs, FieldError.INVALID, "metadata.ownerReferences.name", "Invalid value: \"\": must not be empty");
        assertHas(errs, FieldError.INVALID, "metadata.ownerReferences.uid", "Invalid value: \"\": must not be empty");
    }

    @Test
    void atMostOneOwnerReferenceIsTheController() {
        var errs = create("v1", "ConfigMap", cm("{name:'a', namespace:'d', ownerReferences:["
                + "{apiVersion:'apps/v1', kind:'ReplicaSet', name:'one', uid:'1', controller:true},"
                + "{apiVersion:'apps/v1', kind:'ReplicaSet', name:'two', uid:'2', controller:true}]}"));
        org.junit.jupiter.api.Assertions.assertEquals(1, errs.size(), errs::toString);
        org.junit.jupiter.api.Assertions.assertEquals("metadata.ownerReferences", errs.get(0).field());
        org.junit.jupiter.api.Assertions.assertTrue(errs.get(0).message().endsWith(": Only one reference can have Controller set "
                + "to true. Found \"true\" in references for ReplicaSet/one and ReplicaSet/two"), errs::toString);
    }

    @Test
    void finalizersMustBeQualifiedOrStandard() {
        assertValid(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', finalizers:['example.com/cleanup', 'orphan']}")));
        assertOnly(create("v1", "ConfigMap", cm("{name:'a', namespace:'d', finalizers:['cleanup']}")), FieldError.INVALID,
                "metadata.finalizers[0]", "Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified");
    }

    @Test
    void nameNamespaceAndUidAreImmutable() {
        String old = cm("{name:'a', namespace:'d', uid:'u1', resourceVersion:'5'}");
        assertValid(update("v1", "ConfigMap", cm("{name:'a', namespace:'d', uid:'u1', resourceVersion:'5', labels:{x:'y'}}"), old));
        assertOnly(update("v1", "ConfigMap", cm("{name:'a', namespace:'d', uid:'u2', resourceVersion:'5'}"), old),
                FieldError.INVALID, "metadata.uid", "Invalid value: \"u2\": field is immutable");
    }

    @Test
    void noFinalizerMayBeAddedWhileDeleting() {
        String old = cm("{name:'a', namespace:'d', deletionTimestamp:'2024-01-01T00:00:00Z', finalizers:['example.com/a']}");
        assertValid(update("v1", "ConfigMap", cm("{name:'a', namespace:'d', deletionTimestamp:'2024-01-01T00:00:00Z'}"), old));
        assertOnly(update("v1", "ConfigMap", cm("{name:'a', namespace:'d', deletionTimestamp:'2024-01-01T00:00:00Z', "
                        + "finalizers:['example.com/a', 'example.com/b']}"), old),
                FieldError.FORBIDDEN, "metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being "
                        + "deleted, found new finalizers []string{\"example.com/b\"}");
    }

    @Test
    void wrongJsonTypesAreReportedNotThrown() {
        assertOnly(create("v1", "ConfigMap", cm("{name:7, namespace:'d'}")).subList(0, 1),
                FieldError.TYPE_INVALID, "metadata.name", "Invalid value: 7: must be of type string");
    }
}
