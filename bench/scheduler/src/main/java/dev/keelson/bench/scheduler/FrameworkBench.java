package dev.keelson.bench.scheduler;

import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.framework.Framework;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScheduleResult;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The scheduling cycle alone (filter + score + assume against the cache), no API: how many pods per
 * second one scheduling thread can place, i.e. the scheduler's ceiling when binding costs nothing.
 */
public final class FrameworkBench {
    public static void main(String[] args) {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int pods = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
        for (int round = 1; round <= 3; round++) {
            SchedulerCache cache = new SchedulerCache();
            Map<String, Quantity> alloc = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"),
                    "pods", new Quantity("110"), "ephemeral-storage", new Quantity("100Gi"));
            for (int i = 0; i < nodes; i++) {
                cache.addOrUpdateNode(new NodeBuilder().withNewMetadata().withName("hollow-node-" + i)
                        .addToLabels("kubernetes.io/hostname", "hollow-node-" + i).endMetadata().withNewSpec().endSpec()
                        .withNewStatus().withAllocatable(alloc).withCapacity(alloc).addNewCondition().withType("Ready")
                        .withStatus("True").endCondition().endStatus().build());
            }
            List<PodInfo> infos = new ArrayList<>(pods);
            for (int i = 0; i < pods; i++) {
                infos.add(PodInfo.of(new PodBuilder().withNewMetadata().withName("pod-" + i).withNamespace("bench").endMetadata()
                        .withNewSpec().withContainers(new ContainerBuilder().withName("c").withNewResources()
                                .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("500Mi"))
                                .endResources().build()).endSpec().build()));
            }
            Framework framework = Framework.withDefaultPlugins(Map.of(), 0, new Random(1));
            long start = System.nanoTime();
            int placed = 0;
            for (PodInfo p : infos) {
                ScheduleResult r = cache.locked(list -> {
                    ScheduleResult res = framework.schedule(p, list);
                    if (res.scheduled()) {
                        cache.assume(p, res.nodeName());
                    }
                    return res;
                });
                if (r.scheduled()) {
                    placed++;
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("round %d: %d nodes, %d pods placed in %.2f s: %.0f pods/s, %.1f us/pod%n",
                    round, nodes, placed, secs, placed / secs, secs * 1e6 / placed);
        }
    }
}
