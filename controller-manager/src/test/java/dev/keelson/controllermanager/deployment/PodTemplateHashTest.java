package dev.keelson.controllermanager.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodTemplateHashTest {

    private static PodTemplateSpec template(String image) {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image)
                .addNewPort().withContainerPort(80).endPort().endContainer().endSpec()
                .build();
    }

    @Test
    void defaultedFieldsDoNotChangeTheHash() {
        PodTemplateSpec plain = template("nginx:1.25");
        PodTemplateSpec defaulted = new PodTemplateSpecBuilder(template("nginx:1.25"))
                .editMetadata().withCreationTimestamp(null).endMetadata()
                .editSpec().withRestartPolicy("Always").withDnsPolicy("ClusterFirst").withSchedulerName("default-scheduler")
                .withTerminationGracePeriodSeconds(30L)
                .editFirstContainer().withImagePullPolicy("IfNotPresent").withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy("File").withResources(new ResourceRequirements())
                .editFirstPort().withProtocol("TCP").endPort().endContainer()
                .endSpec().build();
        assertTrue(PodTemplateHash.equalIgnoringHash(plain, defaulted));
        assertEquals(PodTemplateHash.compute(plain, null), PodTemplateHash.compute(defaulted, null));
    }

    @Test
    void podTemplateHashLabelIsIgnoredInComparison() {
        PodTemplateSpec labelled = new PodTemplateSpecBuilder(template("nginx:1.25"))
                .editMetadata().addToLabels(PodTemplateHash.LABEL, "abc").endMetadata().build();
        assertTrue(PodTemplateHash.equalIgnoringHash(template("nginx:1.25"), labelled));
    }

    @Test
    void realChangesAndCollisionCountChangeTheHash() {
        String a = PodTemplateHash.compute(template("nginx:1.25"), null);
        assertNotEquals(a, PodTemplateHash.compute(template("nginx:1.26"), null));
        assertNotEquals(a, PodTemplateHash.compute(template("nginx:1.25"), 1));
        assertTrue(a.matches("[bcdfghjklmnpqrstvwxz2456789]+"), a);
        PodTemplateSpec pulledAlways = new PodTemplateSpecBuilder(template("nginx:1.25"))
                .editSpec().editFirstContainer().withImagePullPolicy("Always").endContainer().endSpec().build();
        assertNotEquals(a, PodTemplateHash.compute(pulledAlways, null), "a non-default pull policy is a real change");
    }
}
