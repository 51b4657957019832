package dev.keelson.componentbase.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The flags kube-scheduler and kube-controller-manager have in common (apiserver access, where /healthz and
 * /metrics are served, leader election), as a picocli mixin with each component's own defaults.
 */
public final class ComponentFlags {
    /**
     * picocli descriptionKey of --leader-elect: a command's resource bundle says under this key what the
     * component does only while it leads.
     */
    public static final String LEADER_ELECT_KEY = "leader-elect";

    @Option(names = "--kubeconfig", required = true, description = "kubeconfig with the apiserver address and credentials")
    private Path kubeconfig;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "address for /healthz and /metrics (default ${DEFAULT-VALUE})")
    private String bindAddress;

    // No defaultValue: the constructor's value is the default, which picocli shows and restores before each parse.
    @Option(names = "--secure-port", description = "port for /healthz and /metrics; 0 picks a free port (default ${DEFAULT-VALUE})")
    private int securePort;

    @Option(names = "--leader-elect", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            descriptionKey = LEADER_ELECT_KEY, description = "take part in leader election (default ${DEFAULT-VALUE})")
    private boolean leaderElect;

    @Option(names = "--leader-elect-lease-duration", defaultValue = "15s", converter = GoDuration.class,
            description = "how long a lease is valid after its last renewal (default ${DEFAULT-VALUE})")
    private Duration leaseDuration;

    @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s", converter = GoDuration.class,
            description = "how long the leader keeps trying to renew before giving up (default ${DEFAULT-VALUE})")
    private Duration renewDeadline;

    @Option(names = "--leader-elect-retry-period", defaultValue = "2s", converter = GoDuration.class,
            description = "wait between attempts to acquire or renew (default ${DEFAULT-VALUE})")
    private Duration retryPeriod;

    @Option(names = "--leader-elect-resource-namespace", defaultValue = "kube-system",
            description = "namespace of the election Lease (default ${DEFAULT-VALUE})")
    private String leaseNamespace;

    @Option(names = "--leader-elect-resource-name", description = "name of the election Lease (default ${DEFAULT-VALUE})")
    private String leaseName;

    /**
     * @param leaseName the component's election Lease, as in Kubernetes (kube-scheduler, kube-controller-manager)
     * @param securePort the component's well-known health and metrics port
     */
    public ComponentFlags(String leaseName, int securePort) {
        this.leaseName = leaseName;
        this.securePort = securePort;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String bindAddress() {
        return bindAddress;
    }

    public int securePort() {
        return securePort;
    }

    public boolean leaderElect() {
        return leaderElect;
    }

    public Duration leaseDuration() {
        return leaseDuration;
    }

    public Duration renewDeadline() {
        return renewDeadline;
    }

    public Duration retryPeriod() {
        return retryPeriod;
    }

    public String leaseNamespace() {
        return leaseNamespace;
    }

    public String leaseName() {
        return leaseName;
    }
}
