package dev.keelson.scheduler;

import dev.keelson.componentbase.cli.ComponentFlags;
import dev.keelson.componentbase.cli.Foreground;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `keelson scheduler`: runs the scheduler as its own process until interrupted. */
@Command(name = "scheduler", mixinStandardHelpOptions = true, resourceBundle = "dev.keelson.scheduler.SchedulerCommand",
        description = "Assigns pending pods to nodes: filters and scores nodes, binds, explains failures.")
public final class SchedulerCommand implements Callable<Integer> {
    @Mixin
    ComponentFlags flags = new ComponentFlags("kube-scheduler", SchedulerOptions.DEFAULT_SECURE_PORT);

    @Option(names = "--scheduler-name", defaultValue = SchedulerOptions.DEFAULT_SCHEDULER_NAME,
            description = "pods whose spec.schedulerName is this are ours (default ${DEFAULT-VALUE})")
    String schedulerName;

    @Option(names = "--percentage-of-nodes-to-score", defaultValue = "0",
            description = "stop filtering after this share of nodes is feasible; 0 = adaptive, as Kubernetes (default ${DEFAULT-VALUE})")
    int percentageOfNodesToScore;

    @Option(names = "--score-weight", description = "PLUGIN=WEIGHT for LeastAllocated, BalancedAllocation, NodeAffinity, "
            + "TaintToleration, SelectorSpread; repeatable")
    Map<String, Integer> scoreWeights = Map.of();

    SchedulerOptions options() {
        return SchedulerOptions.builder()
                .common(flags.common())
                .schedulerName(schedulerName)
                .scoreWeights(scoreWeights)
                .percentageOfNodesToScore(percentageOfNodesToScore)
                .build();
    }

    @Override
    public Integer call() throws Exception {
        SchedulerOptions options = options();
        KubernetesClient client = KubeClients.fromKubeconfig(flags.kubeconfig());
        Scheduler scheduler = new Scheduler(client, options);
        return Foreground.runUntilShutdown("scheduler", scheduler::start, () -> {
            scheduler.close();
            client.close();
        });
    }
}
