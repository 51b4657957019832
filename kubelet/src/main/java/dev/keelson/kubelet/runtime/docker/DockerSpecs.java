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
import dev.keelson.kubelet.runtime.NamespaceMode;
import dev.keelson.kubelet.runtime.SandboxConfig;
import dev.keelson.kubelet.runtime.SecurityConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Docker's create requests for a sandbox and for a container, from the runtime-neutral configs. */
final class DockerSpecs {
    private DockerSpecs() {}

    /**
     * The pause container: owns the pod's network (or the host's) and a shareable IPC namespace (or the host's), holds
     * the pod's sysctls, publishes hostPorts.
     */
    static CreateContainerCmd sandbox(DockerClient docker, SandboxConfig config) {
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(config.network() == null ? "host" : config.network())
                .withIpcMode(config.hostIpc() ? "host" : "shareable")
                .withCpuShares(2);
        if (config.hostPid()) {
            host.withPidMode("host");
        }
        if (!config.sysctls().isEmpty()) {
            host.withSysctls(config.sysctls());
        }
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
                .withIpcMode(config.ipc() == NamespaceMode.NODE ? "host" : sandboxRef)
                .withBinds(config.mounts().stream().map(Bind::parse).toList());
        if (config.pid() == NamespaceMode.POD) {
            host.withPidMode(sandboxRef);
        } else if (config.pid() == NamespaceMode.NODE) {
            host.withPidMode("host");
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
        if (!s.groupAdd().isEmpty()) {
            host.withGroupAdd(s.groupAdd().stream().map(String::valueOf).toList());
        }
        List<String> opts = securityOpts(s);
        if (!opts.isEmpty()) {
            host.withSecurityOpts(opts);
        }
    }

    /**
     * Docker's security options: no-new-privileges, then seccomp (Docker applies its default profile when none is
     * named, so RuntimeDefault adds nothing; a Localhost profile travels as its JSON, as the docker CLI sends it), then
     * AppArmor (RuntimeDefault is Docker's docker-default).
     */
    static List<String> securityOpts(SecurityConfig s) {
        List<String> opts = new ArrayList<>();
        if (s.noNewPrivileges()) {
            opts.add("no-new-privileges");
        }
        switch (s.seccomp().type()) {
            case UNCONFINED -> opts.add("seccomp=unconfined");
            case LOCALHOST -> opts.add("seccomp=" + s.seccomp().localhost());
            case RUNTIME_DEFAULT -> { }
        }
        if (s.appArmor() != null) {
            switch (s.appArmor().type()) {
                case UNCONFINED -> opts.add("apparmor=unconfined");
                case LOCALHOST -> opts.add("apparmor=" + s.appArmor().localhost());
                case RUNTIME_DEFAULT -> { }
            }
        }
        return opts;
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
