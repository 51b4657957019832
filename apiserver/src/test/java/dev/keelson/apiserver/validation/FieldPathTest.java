package dev.keelson.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FieldPathTest {

    @Test
    void printsAsKubernetesFieldPaths() {
        assertEquals("", FieldPath.root().toString());
        assertEquals("spec.containers[0].image",
                FieldPath.root().child("spec").child("containers").index(0).child("image").toString());
        assertEquals("metadata.labels[app.kubernetes.io/name]",
                FieldPath.of("metadata", "labels").key("app.kubernetes.io/name").toString());
        assertEquals("[2].name", FieldPath.root().index(2).child("name").toString());
    }

    @Test
    void aParentPrintedFirstDoesNotChangeItsChildren() {
        FieldPath spec = FieldPath.of("spec");
        FieldPath ports = spec.child("ports");
        assertEquals("spec", spec.toString());
        assertEquals("spec.ports[1].port", ports.index(1).child("port").toString());
        assertEquals("spec.ports", ports.toString());
    }
}
