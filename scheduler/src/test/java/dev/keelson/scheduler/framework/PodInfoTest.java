package dev.keelson.scheduler.framework;

import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodInfoTest {
    private static io.fabric8.kubernetes.api.model.Container container(String name, String cpu, String memory) {
        return new ContainerBuilder().withName(name).withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory)).endResources().build();
    }

    @Test
    void effectiveRequestIsSumOfAppContainersWhenInitContainersAreSmaller() {
        Pod p = pod("p", null, null).editSpec()
                .withContainers(container("a", "200m", "100Mi"), container("b", "300m", "50Mi"))
                .withInitContainers(container("init", "400m", "10Mi")).endSpec().build();
        ResourceVector r = PodInfo.of(p).request();
        assertEquals(500, r.milliCpu);
        assertEquals(150L * 1024 * 1024, r.memory);
    }

    @Test
    void effectiveRequestTakesTheLargestInitContainerPerResource() {
        Pod p = pod("p", null, null).editSpec()
                .withContainers(container("a", "100m", "100Mi"))
                .withInitContainers(container("i1", "1", "10Mi"), container("i2", "500m", "1Gi")).endSpec().build();
        ResourceVector r = PodInfo.of(p).request();
        assertEquals(1000, r.milliCpu);
        assertEquals(1024L * 1024 * 1024, r.memory);
    }

    @Test
    void podOverheadIsAddedOnTop() {
        Pod p = pod("p", "100m", "100Mi").editSpec()
                .addToOverhead("cpu", new Quantity("250m")).addToOverhead("memory", new Quantity("120Mi")).endSpec().build();
        ResourceVector r = PodInfo.of(p).request();
        assertEquals(350, r.milliCpu);
        assertEquals(220L * 1024 * 1024, r.memory);
    }

    @Test
    void sidecarInitContainersRunBesideAppsAndLaterInitContainers() {
        io.fabric8.kubernetes.api.model.Container sidecar = new ContainerBuilder(container("side", "200m", "10Mi"))
                .withRestartPolicy("Always").build();
        Pod p = pod("p", null, null).editSpec()
                .withContainers(container("a", "100m", "10Mi"))
                .withInitContainers(sidecar, container("later", "900m", "10Mi")).endSpec().build();
        ResourceVector r = PodInfo.of(p).request();
        // the later init container runs beside the sidecar: 900m + 200m beats apps + sidecar (300m)
        assertEquals(1100, r.milliCpu);
        assertEquals(20L * 1024 * 1024, r.memory);
    }

    @Test
    void limitStandsInForAMissingRequest() {
        Pod p = pod("p", null, null).editSpec().withContainers(new ContainerBuilder().withName("a")
                .withNewResources().addToLimits("cpu", new Quantity("2")).endResources().build()).endSpec().build();
        assertEquals(2000, PodInfo.of(p).request().milliCpu);
    }

    @Test
    void containersWithoutRequestsCountAsDefaultsOnlyForScoring() {
        PodInfo info = PodInfo.of(pod("p", null, null).build());
        assertEquals(0, info.request().milliCpu);
        assertEquals(0, info.request().memory);
        assertEquals(PodInfo.DEFAULT_MILLI_CPU_REQUEST, info.nonZeroMilliCpu());
        assertEquals(PodInfo.DEFAULT_MEMORY_REQUEST, info.nonZeroMemory());
    }

    @Test
    void extendedResourcesAndEphemeralStorageAreCounted() {
        Pod p = pod("p", null, null).editSpec().withContainers(new ContainerBuilder().withName("a").withNewResources()
                .addToRequests("example.com/gpu", new Quantity("2"))
                .addToRequests("ephemeral-storage", new Quantity("1Gi")).endResources().build()).endSpec().build();
        ResourceVector r = PodInfo.of(p).request();
        assertEquals(2, r.scalar("example.com/gpu"));
        assertEquals(1024L * 1024 * 1024, r.ephemeralStorage);
    }

    @Test
    void hostPortsDefaultToTcpOnAllAddresses() {
        Pod p = pod("p", null, null).editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(8080).endPort()
                .addNewPort().withContainerPort(53).withProtocol("UDP").endPort().endContainer().endSpec().build();
        assertEquals(List.of(new HostPort("0.0.0.0", "TCP", 8080)), PodInfo.of(p).hostPorts());
    }

    @Test
    void controllerOwnerUidIsRemembered() {
        Pod p = pod("p", null, null).editMetadata().addNewOwnerReference().withKind("ReplicaSet").withName("rs")
                .withUid("rs-uid").withController(true).endOwnerReference().endMetadata().build();
        assertEquals("rs-uid", PodInfo.of(p).ownerUid());
        assertNull(PodInfo.of(pod("q", null, null).build()).ownerUid());
    }
}
