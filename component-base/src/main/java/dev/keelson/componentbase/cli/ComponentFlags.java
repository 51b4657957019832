package dev.keelson.componentbase.cli;

import dev.keelson.componentbase.leader.LeaderElection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import picocli.CommandLine.Option;

/**
 * The flags kube-scheduler and kube-controller-manager have in common (apiserver access, where /healthz and
 * /metrics are served, leader election), as a picocli mixin with each component's own defaults. {@link #common()}
 * hands all but the kubeconfig to the component's options as one {@link Common} value.
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

    /** Leader election and serving address as the flags set them. */
    public Common common() {
        return new Common(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                bindAddress, securePort);
    }

    /**
     * Leader election and where /healthz and /metrics are served, as kube-scheduler and kube-controller-manager
     * share them.
     *
     * @param securePort port for /healthz and /metrics; 0 picks a free one, -1 serves nothing
     */
    public record Common(boolean leaderElect, String leaseNamespace, String leaseName, Duration leaseDuration,
                         Duration renewDeadline, Duration retryPeriod, String bindAddress, int securePort) {
        public Common {
            Objects.requireNonNull(leaseNamespace, "leaseNamespace");
            Objects.requireNonNull(leaseName, "leaseName");
            if (leaderElect) {
                LeaderElection.requireConsistentTimings(leaseDuration, renewDeadline, retryPeriod);
            }
        }

        /** The election this component campaigns in as {@code identity}. */
        public LeaderElection.Options election(String identity) {
            return new LeaderElection.Options(leaseNamespace, leaseName, identity, leaseDuration, renewDeadline,
                    retryPeriod);
        }
    }

    /**
     * The part of a component's options builder that sets {@link Common}: Kubernetes' defaults (15 s lease, 10 s
     * renew deadline, 2 s retry, kube-system, all addresses) with the component's lease name and port.
     *
     * @param <B> the component's builder, returned by every setter
     */
    public abstract static class CommonBuilder<B extends CommonBuilder<B>> {
        private boolean leaderElect = true;
        private String leaseNamespace = "kube-system";
        private String leaseName;
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private String bindAddress = "0.0.0.0";
        private int securePort;

        protected CommonBuilder(String leaseName, int securePort) {
            this.leaseName = leaseName;
            this.securePort = securePort;
        }

        protected abstract B self();

        /** All of them at once, as {@link ComponentFlags#common()} gives them. */
        public B common(Common common) {
            leaderElect = common.leaderElect();
            leaseNamespace = common.leaseNamespace();
            leaseName = common.leaseName();
            leaseDuration = common.leaseDuration();
            renewDeadline = common.renewDeadline();
            retryPeriod = common.retryPeriod();
            bindAddress = common.bindAddress();
            securePort = common.securePort();
            return self();
        }

        public B leaderElect(boolean leaderElect) {
            this.leaderElect = leaderElect;
            return self();
        }

        public B leaseNamespace(String leaseNamespace) {
            this.leaseNamespace = leaseNamespace;
            return self();
        }

        public B leaseName(String leaseName) {
            this.leaseName = leaseName;
            return self();
        }

        public B leaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
            return self();
        }

        public B renewDeadline(Duration renewDeadline) {
            this.renewDeadline = renewDeadline;
            return self();
        }

        public B retryPeriod(Duration retryPeriod) {
            this.retryPeriod = retryPeriod;
            return self();
        }

        public B bindAddress(String bindAddress) {
            this.bindAddress = bindAddress;
            return self();
        }

        public B securePort(int securePort) {
            this.securePort = securePort;
            return self();
        }

        /** @throws IllegalArgumentException if leader election is on and the lease timings contradict each other */
        protected Common buildCommon() {
            return new Common(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod,
                    bindAddress, securePort);
        }
    }
}
