package dev.keelson.kubelet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import dev.keelson.kubelet.network.PodNetwork;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.docker.DockerRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pod network against the host's Docker Engine when a network of the node's name is already there (a restart,
 * or a Node of the same name in another cluster): reused, replaced, or left alone with the reason.
 */
class PodNetworkReplaceIntegrationTest {
    private static final String PAUSE = "registry.k8s.io/pause:3.10";

    private final String node = "kubelet-podnetreplace-" + ProcessHandle.current().pid();
    private final String networkName = "keelson-" + node;
    private final List<String> containers = new ArrayList<>();
    private DockerRuntime docker;
    private PodNetwork network;

    @BeforeAll
    static void images() throws Exception {
        KubeletHarness.buildImages();
    }

    @BeforeEach
    void connect() {
        docker = new DockerRuntime("unix:///var/run/docker.sock", node, new SimpleMeterRegistry());
        network = new PodNetwork(docker, node);
    }

    @AfterEach
    void cleanUp() {
        for (String id : containers) {
            try {
                docker.client().removeContainerCmd(id).withForce(true).exec();
            } catch (NotFoundException ignored) {
                // removed by the code under test
            }
        }
        try {
            docker.client().removeNetworkCmd(networkName).exec();
        } catch (NotFoundException ignored) {
            // never created
        }
        docker.close();
    }

    @Test
    void networkWithTheNodesSubnetAndGatewayIsReused() {
        String id = createNetwork("10.247.1.0/24");
        String mine = startContainer("mine", Map.of(ContainerLabels.NODE, node));

        network.ensure("10.247.1.0/24");

        assertEquals(id, existing().getId(), "the network was replaced");
        assertEquals("10.247.1.0/24", network.cidr());
        assertTrue(running(mine), "a container on the reused network was touched");
    }

    @Test
    void networkWithAnotherSubnetIsReplacedAfterTheNodesOwnContainersAreRemoved() {
        String old = createNetwork("10.247.2.0/24");
        String exited = startContainer("exited", Map.of(ContainerLabels.NODE, node));
        docker.client().stopContainerCmd(exited).withTimeout(0).exec();
        String orphan = startContainer("orphan", Map.of(ContainerLabels.NODE, node));

        network.ensure("10.247.3.0/24");

        Network now = existing();
        assertTrue(!old.equals(now.getId()), "the old network is still there");
        assertEquals("10.247.3.0/24", now.getIpam().getConfig().get(0).getSubnet());
        assertEquals("10.247.3.1", now.getIpam().getConfig().get(0).getGateway());
        assertEquals("10.247.3.0/24", network.cidr());
        assertTrue(gone(exited), "the node's exited container on the old network was not removed");
        assertTrue(gone(orphan), "the node's orphan container on the old network was not removed");
    }

    @Test
    void networkThatOthersUseIsLeftAloneAndTheConflictNamesThem() {
        String old = createNetwork("10.247.4.0/24");
        String foreign = startContainer("foreign", Map.of(ContainerLabels.NODE, node + "-other"));

        PodNetwork.ConflictException e = assertThrows(PodNetwork.ConflictException.class,
                () -> network.ensure("10.247.5.0/24"));

        assertTrue(e.getMessage().contains(node + "-foreign"), e.getMessage());
        assertTrue(e.getMessage().contains("10.247.5.0/24"), e.getMessage());
        assertEquals(old, existing().getId(), "the network others use was removed");
        assertTrue(running(foreign), "another node's container was touched");
        assertEquals(null, network.cidr(), "the node has a pod network although it could not be set up");

        docker.client().removeContainerCmd(foreign).withForce(true).exec();
        network.ensure("10.247.5.0/24");
        assertEquals("10.247.5.0/24", existing().getIpam().getConfig().get(0).getSubnet(),
                "the network was not replaced once nothing else used it");
    }

    private String createNetwork(String subnet) {
        return docker.client().createNetworkCmd().withName(networkName).withDriver("bridge")
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)
                        .withGateway(PodNetwork.gatewayOf(subnet))))
                .withOptions(Map.of("com.docker.network.bridge.name", network.bridgeName()))
                .exec().getId();
    }

    private String startContainer(String name, Map<String, String> labels) {
        String id = docker.client().createContainerCmd(PAUSE).withName(node + "-" + name).withLabels(labels)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(networkName)).exec().getId();
        containers.add(id);
        docker.client().startContainerCmd(id).exec();
        return id;
    }

    private Network existing() {
        List<Network> named = docker.client().listNetworksCmd().withNameFilter(networkName).exec().stream()
                .filter(n -> n.getName().equals(networkName)).collect(Collectors.toList());
        assertEquals(1, named.size(), "networks named " + networkName + ": " + named);
        return named.get(0);
    }

    private boolean running(String id) {
        return Boolean.TRUE.equals(docker.client().inspectContainerCmd(id).exec().getState().getRunning());
    }

    private boolean gone(String id) {
        try {
            docker.client().inspectContainerCmd(id).exec();
            return false;
        } catch (NotFoundException e) {
            return true;
        }
    }
}
