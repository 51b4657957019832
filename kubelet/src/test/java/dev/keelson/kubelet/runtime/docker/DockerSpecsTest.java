package dev.keelson.kubelet.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.keelson.kubelet.runtime.ContainerConfig;
import dev.keelson.kubelet.runtime.NamespaceMode;
import dev.keelson.kubelet.runtime.SandboxConfig;
import dev.keelson.kubelet.runtime.SecurityConfig;
import dev.keelson.kubelet.runtime.SecurityConfig.Profile;
import dev.keelson.kubelet.runtime.SecurityConfig.ProfileType;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Docker requests built from runtime configs (no Docker Engine needed: the commands are built, not sent). */
class DockerSpecsTest {
    private final DockerClient docker = DockerClientImpl.getInstance(
            DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix:///nonexistent.sock").build(),
            new ApacheDockerHttpClient.Builder().dockerHost(URI.create("unix:///nonexistent.sock")).build());

    @AfterEach
    void close() throws Exception {
        docker.close();
    }

    private static ContainerConfig config(SecurityConfig security, NamespaceMode pid, NamespaceMode ipc) {
        return new ContainerConfig("k8s_app", "busybox:1.35", Map.of(), List.of(), null, null, null, false, false,
                List.of(), "sandbox1", pid, ipc, ContainerConfig.Resources.NONE, security);
    }

    @Test
    void restrictedSecurityBecomesNoNewPrivilegesCapDropAllAndTheUser() {
        SecurityConfig s = new SecurityConfig(false, false, List.of(), List.of("ALL"), "1000:1000", List.of(2000L),
                true, Profile.RUNTIME_DEFAULT, null);
        var cmd = DockerSpecs.container(docker, config(s, NamespaceMode.CONTAINER, NamespaceMode.POD));
        HostConfig host = cmd.getHostConfig();
        assertEquals(List.of("no-new-privileges"), host.getSecurityOpts());
        assertArrayEquals(new Capability[] {Capability.ALL}, host.getCapDrop());
        assertEquals(List.of("2000"), host.getGroupAdd());
        assertEquals("1000:1000", cmd.getUser());
        assertEquals("container:sandbox1", host.getIpcMode());
        assertNull(host.getPidMode());
    }

    @Test
    void seccompAndAppArmorProfilesBecomeDockerSecurityOptions() {
        SecurityConfig s = new SecurityConfig(false, false, List.of(), List.of(), null, List.of(), false,
                new Profile(ProfileType.LOCALHOST, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"),
                new Profile(ProfileType.LOCALHOST, "k8s-deny-write"));
        assertEquals(List.of("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "apparmor=k8s-deny-write"),
                DockerSpecs.securityOpts(s));
        SecurityConfig unconfined = new SecurityConfig(false, false, List.of(), List.of(), null, List.of(), false,
                Profile.UNCONFINED, Profile.UNCONFINED);
        assertEquals(List.of("seccomp=unconfined", "apparmor=unconfined"), DockerSpecs.securityOpts(unconfined));
    }

    @Test
    void hostPidAndHostIpcUseTheHostsNamespacesAndSharedPidTheSandboxs() {
        HostConfig host = DockerSpecs.container(docker, config(SecurityConfig.DEFAULT, NamespaceMode.NODE, NamespaceMode.NODE))
                .getHostConfig();
        assertEquals("host", host.getPidMode());
        assertEquals("host", host.getIpcMode());
        host = DockerSpecs.container(docker, config(SecurityConfig.DEFAULT, NamespaceMode.POD, NamespaceMode.POD))
                .getHostConfig();
        assertEquals("container:sandbox1", host.getPidMode());
    }

    @Test
    void sandboxCarriesThePodsSysctlsAndHostNamespaces() {
        SandboxConfig sandbox = new SandboxConfig("k8s_POD", "pause:3.10", Map.of(), "web", "keelson-n1", List.of(),
                true, true, Map.of("net.ipv4.ip_unprivileged_port_start", "0"));
        HostConfig host = DockerSpecs.sandbox(docker, sandbox).getHostConfig();
        assertEquals(Map.of("net.ipv4.ip_unprivileged_port_start", "0"), host.getSysctls());
        assertEquals("host", host.getPidMode());
        assertEquals("host", host.getIpcMode());
        host = DockerSpecs.sandbox(docker, new SandboxConfig("k8s_POD", "pause:3.10", Map.of(), "web", "keelson-n1",
                List.of(), false, false, Map.of())).getHostConfig();
        assertEquals("shareable", host.getIpcMode());
        assertNull(host.getPidMode());
    }
}
