package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EndpointsIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.allControllers();

    private static Pod pod(String ns, String name, int port) {
        return fixture.client().pods().inNamespace(ns).resource(new PodBuilder()
                .withNewMetadata().withName(name).withLabels(Map.of("app", "shop")).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("keelson/shop:1")
                .addNewPort().withName("http").withContainerPort(port).endPort().endContainer().endSpec()
                .build()).create();
    }

    private static List<String> ips(Endpoints e, boolean ready) {
        if (e == null || e.getSubsets() == null) {
            return List.of();
        }
        return e.getSubsets().stream().flatMap(s -> {
            var list = ready ? s.getAddresses() : s.getNotReadyAddresses();
            return list == null ? java.util.stream.Stream.empty() : list.stream();
        }).map(a -> a.getIp()).sorted().toList();
    }

    @Test
    void endpointsAndSlicesFollowPodReadinessAndResolveNamedPortsPerPod() {
        String ns = fixture.namespace("cm-ep");
        fixture.client().services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName("shop").endMetadata()
                .withNewSpec().withSelector(Map.of("app", "shop"))
                .addNewPort().withName("web").withPort(80).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build()).create();
        Pod a = HollowKubelet.setReady(fixture.client(), pod(ns, "a", 8080), true);
        Pod b = HollowKubelet.setReady(fixture.client(), pod(ns, "b", 9090), false);
        String ipA = a.getStatus().getPodIP();
        String ipB = b.getStatus().getPodIP();

        Endpoints e = Await.until("a ready, b not ready", WAIT, () -> fixture.client().endpoints().inNamespace(ns).withName("shop").get(),
                x -> ips(x, true).equals(List.of(ipA)) && ips(x, false).equals(List.of(ipB)));
        assertEquals(2, e.getSubsets().size(), "pods with different resolved ports land in different subsets");
        assertTrue(e.getSubsets().stream().map(EndpointSubset::getPorts)
                .anyMatch(p -> p.get(0).getPort() == 8080 && "web".equals(p.get(0).getName())));

        HollowKubelet.setReady(fixture.client(), fixture.client().pods().inNamespace(ns).withName("b").get(), true);
        Await.until("both ready", WAIT, () -> fixture.client().endpoints().inNamespace(ns).withName("shop").get(),
                x -> ips(x, true).equals(List.of(ipA, ipB).stream().sorted().toList()) && ips(x, false).isEmpty());

        List<Endpoint> sliced = Await.until("slices list both, ready", WAIT, () -> slices(ns).stream()
                        .flatMap(s -> s.getEndpoints().stream()).toList(),
                l -> l.size() == 2 && l.stream().allMatch(x -> Boolean.TRUE.equals(x.getConditions().getReady())));
        assertTrue(sliced.stream().allMatch(x -> x.getTargetRef() != null && "Pod".equals(x.getTargetRef().getKind())));
        EndpointSlice slice = slices(ns).get(0);
        assertEquals("IPv4", slice.getAddressType());
        assertEquals("shop", slice.getMetadata().getOwnerReferences().get(0).getName());

        HollowKubelet.setReady(fixture.client(), fixture.client().pods().inNamespace(ns).withName("a").get(), false);
        Await.until("a not ready", WAIT, () -> fixture.client().endpoints().inNamespace(ns).withName("shop").get(),
                x -> ips(x, false).equals(List.of(ipA)) && ips(x, true).equals(List.of(ipB)));
        Await.until("slice marks a not ready", WAIT, () -> slices(ns).stream().flatMap(s -> s.getEndpoints().stream())
                        .filter(x -> x.getAddresses().contains(ipA)).toList(),
                l -> l.size() == 1 && !Boolean.TRUE.equals(l.get(0).getConditions().getReady()));

        fixture.client().pods().inNamespace(ns).withName("b").delete();
        Await.until("b gone", WAIT, () -> fixture.client().endpoints().inNamespace(ns).withName("shop").get(),
                x -> ips(x, true).isEmpty() && ips(x, false).equals(List.of(ipA)));
    }

    private static List<EndpointSlice> slices(String ns) {
        return fixture.client().discovery().v1().endpointSlices().inNamespace(ns)
                .withLabel("kubernetes.io/service-name", "shop").list().getItems().stream()
                .filter(Objects::nonNull).toList();
    }
}
