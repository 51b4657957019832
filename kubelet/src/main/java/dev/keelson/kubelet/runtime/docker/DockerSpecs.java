package dev.keelson.kubelet.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.keelson.kubelet.runtime.ContainerConfig;
import dev.keelson.kubelet.runtime.ContainerConfigException;
import dev.keelson.kubelet.runtime.SandboxConfig;
import dev.keelson.kubelet.runtime.SecurityConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Docker's create requests for a sandbox and for a container, from the runtime-neutral configs. */
final class DockerSpecs {
    private DockerSpecs() {}

    /** The pause container: owns the pod's network (or the host's) and a shareable IPC namespace, publishes hostPorts. */
    static CreateContainerCmd sandbox(DockerClient docker, SandboxConfig config) {
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(config.network() == null ? "host" : config.network())
                .withIpcMode("shareable")
                .withCpuShares(2);
        Map<ExposedPort, PortBinding> published = new LinkedHashMap<>();
        for (SandboxConfig.PortMapping p : config.ports()) {
            ExposedPort exposed = "UDP".equals(p.protocol()) ? ExposedPort.udp(p.containerPort()) : ExposedPort.tcp(p.containerPort());
            published.put(exposed, new PortBinding(Ports.Binding.bindIpAndPort(p.hostIp(), p.hostPort()), exposed));
        }
        if (!published.isEmpty()) {
            host.withPortBindings(new ArrayList<>(published.values()));
        }
        CreateContainerCmd cmd = docker.createContainerCmd(config.image())
                .withName(config.name())
                .withLabels(config.labels())
                .withHostConfig(host);
        if (config.hostname() != null) {
            cmd.withHostName(config.hostname());
        }
        if (!published.isEmpty()) {
            cmd.withExposedPorts(new ArrayList<>(published.keySet()));
        }
        return cmd;
    }

    /** An init or app container joining its sandbox's network and IPC (and, when shared, PID) namespaces. */
    static CreateContainerCmd container(DockerClient docker, ContainerConfig config) {
        String sandboxRef = "container:" + config.sandboxId();
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(sandboxRef)
                .withIpcMode(sandboxRef)
                .withBinds(config.mounts().stream().map(Bind::parse).toList());
        if (config.sharePid()) {
            host.withPidMode(sandboxRef);
        }
        resources(config.resources(), host);
        security(config.security(), host);
        CreateContainerCmd cmd = docker.createContainerCmd(config.image())
                .withName(config.name())
                .withLabels(config.labels())
                .withEnv(config.env())
                .withHostConfig(host)
                .withTty(config.tty())
                .withStdinOpen(config.stdin());
        if (config.entrypoint() != null) {
            cmd.withEntrypoint(config.entrypoint());
        }
        if (config.cmd() != null) {
            cmd.withCmd(config.cmd());
        }
        if (config.workingDir() != null) {
            cmd.withWorkingDir(config.workingDir());
        }
        if (config.security().user() != null) {
            cmd.withUser(config.security().user());
        }
        return cmd;
    }

    static void resources(ContainerConfig.Resources r, HostConfig host) {
        if (r.memoryBytes() != null) {
            host.withMemory(r.memoryBytes()).withMemorySwap(r.memoryBytes());
        }
        if (r.cpuQuota() != null) {
            host.withCpuPeriod(r.cpuPeriod()).withCpuQuota(r.cpuQuota());
        }
        if (r.cpuShares() != null) {
            host.withCpuShares(r.cpuShares());
        }
    }

    static void security(SecurityConfig s, HostConfig host) {
        if (s.privileged()) {
            host.withPrivileged(true);
        }
        if (s.readOnlyRootfs()) {
            host.withReadonlyRootfs(true);
        }
        if (!s.capAdd().isEmpty()) {
            host.withCapAdd(capabilities(s.capAdd()));
        }
        if (!s.capDrop().isEmpty()) {
            host.withCapDrop(capabilities(s.capDrop()));
        }
    }

    private static Capability[] capabilities(List<String> names) {
        List<Capability> out = new ArrayList<>();
        for (String n : names) {
            String name = n.toUpperCase().startsWith("CAP_") ? n.substring(4).toUpperCase() : n.toUpperCase();
            try {
                out.add(Capability.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new ContainerConfigException("unknown capability " + n);
            }
        }
        return out.toArray(Capability[]::new);
    }
}
