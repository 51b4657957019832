package dev.keelson.scheduler;

import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** `keelson scheduler`: runs the scheduler as its own process until interrupted. */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = "Assigns pending pods to nodes: filters and scores nodes, binds, explains failures.")
public final class SchedulerCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, description = "kubeconfig with the apiserver address and credentials")
    Path kubeconfig;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "address for /healthz and /metrics (default ${DEFAULT-VALUE})")
    String bindAddress;

    @Option(names = "--secure-port", defaultValue = "10259", description = "port for /healthz and /metrics; 0 picks a free port (default ${DEFAULT-VALUE})")
    int securePort;

    @Option(names = "--leader-elect", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "take part in leader election before scheduling (default ${DEFAULT-VALUE})")
    boolean leaderElect;

    @Option(names = "--leader-elect-lease-duration", defaultValue = "15s", converter = GoDuration.class,
            description = "how long a lease is valid after its last renewal (default ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s", converter = GoDuration.class,
            description = "how long the leader keeps trying to renew before giving up (default ${DEFAULT-VALUE})")
    Duration renewDeadline;

    @Option(names = "--leader-elect-retry-period", defaultValue = "2s", converter = GoDuration.class,
            description = "wait between attempts to acquire or renew (default ${DEFAULT-VALUE})")
    Duration retryPeriod;

    @Option(names = "--leader-elect-resource-namespace", defaultValue = "kube-system",
            description = "namespace of the election Lease (default ${DEFAULT-VALUE})")
    String leaseNamespace;

    @Option(names = "--leader-elect-resource-name", defaultValue = "kube-scheduler",
            description = "name of the election Lease (default ${DEFAULT-VALUE})")
    String leaseName;

    @Option(names = "--scheduler-name", defaultValue = SchedulerOptions.DEFAULT_SCHEDULER_NAME,
            description = "pods whose spec.schedulerName is this are ours (default ${DEFAULT-VALUE})")
    String schedulerName;

    @Option(names = "--percentage-of-nodes-to-score", defaultValue = "0",
            description = "stop filtering after this share of nodes is feasible; 0 = adaptive, as Kubernetes (default ${DEFAULT-VALUE})")
    int percentageOfNodesToScore;

    @Option(names = "--score-weight", description = "PLUGIN=WEIGHT for LeastAllocated, BalancedAllocation, NodeAffinity, "
            + "TaintToleration, SelectorSpread; repeatable")
    Map<String, Integer> scoreWeights = Map.of();

    @Override
    public Integer call() throws Exception {
        SchedulerOptions defaults = SchedulerOptions.defaults();
        SchedulerOptions options = new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName,
                leaseDuration, renewDeadline, retryPeriod, defaults.identity(), bindAddress, securePort,
                scoreWeights, percentageOfNodesToScore, defaults.maxInFlightBinds());
        KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig);
        Scheduler scheduler = new Scheduler(client, options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            scheduler.close();
            client.close();
            stopped.countDown();
        }, "scheduler-shutdown"));
        scheduler.start();
        stopped.await();
        return 0;
    }

    /** Go-style durations as Kubernetes flags take them: 15s, 500ms, 1m30s, 1h. */
    public static final class GoDuration implements ITypeConverter<Duration> {
        private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            Matcher m = PART.matcher(value);
            Duration total = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
                end = m.end();
            }
            if (end == 0 || end != value.length()) {
                throw new IllegalArgumentException("not a duration (like 15s, 500ms, 1m30s): " + value);
            }
            return total;
        }
    }
}
