package dev.keelson.e2e;

import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.e2e.support.KeelsonServerProcess;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (not part of the test suite; run with -Dtest=StorageLatencyBench under the e2e lock): on a real server,
 * the time from creating a claim of the default local-path class and a pod using it to the claim Bound and to the pod
 * Ready, beside a pod without a volume, alternated, and prints the medians.
 */
class StorageLatencyBench {
    private static final int ROUNDS = 7;

    private static long waitMillis(long start, Supplier<Boolean> done) {
        while (!done.get()) {
            if (System.nanoTime() - start > 120_000_000_000L) {
                throw new AssertionError("timed out");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static boolean ready(Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus()
                .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Pod pod(String name, String claim) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withTerminationGracePeriodSeconds(0L).addNewContainer().withName("c").withImage("busybox:1.35")
                .withCommand("sh", "-c", "exec sleep 3600").endContainer().endSpec();
        if (claim != null) {
            b.editSpec().editFirstContainer().addNewVolumeMount().withName("data").withMountPath("/data")
                    .endVolumeMount().endContainer().addNewVolume().withName("data").withNewPersistentVolumeClaim()
                    .withClaimName(claim).endPersistentVolumeClaim().endVolume().endSpec();
        }
        return b.build();
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    @Test
    void claimToBoundAndPodStartWithAndWithoutAVolume() {
        try (KeelsonServerProcess server = KeelsonServerProcess.start("keelson-bench-storage", "10.248.0.0/16");
             KubernetesClient client = KubeClients.fromKubeconfig(server.kubeconfig())) {
            List<Long> plain = new ArrayList<>();
            List<Long> withVolume = new ArrayList<>();
            List<Long> bound = new ArrayList<>();
            for (int i = -1; i < ROUNDS; i++) {
                String p = "plain-" + i;
                long t0 = System.nanoTime();
                client.pods().inNamespace("default").resource(pod(p, null)).create();
                long plainMs = waitMillis(t0, () -> ready(client.pods().inNamespace("default").withName(p).get()));

                String c = "claim-" + i;
                String v = "with-volume-" + i;
                long t1 = System.nanoTime();
                client.persistentVolumeClaims().inNamespace("default").resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata().withName(c).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                        .withNewResources().withRequests(Map.of("storage", new Quantity("16Mi"))).endResources()
                        .endSpec().build()).create();
                client.pods().inNamespace("default").resource(pod(v, c)).create();
                long[] boundMs = {-1};
                long volumeMs = waitMillis(t1, () -> {
                    if (boundMs[0] < 0) {
                        PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace("default")
                                .withName(c).get();
                        if (claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase())) {
                            boundMs[0] = (System.nanoTime() - t1) / 1_000_000;
                        }
                    }
                    return ready(client.pods().inNamespace("default").withName(v).get());
                });
                if (i >= 0) {
                    plain.add(plainMs);
                    withVolume.add(volumeMs);
                    bound.add(boundMs[0]);
                }
                System.out.printf("round %d: plain pod Ready %d ms; claim Bound %d ms, pod with volume Ready %d ms%n",
                        i, plainMs, boundMs[0], volumeMs);
                client.pods().inNamespace("default").withName(p).withGracePeriod(0).delete();
                client.pods().inNamespace("default").withName(v).withGracePeriod(0).delete();
            }
            System.out.printf("median of %d: pod without volume Ready %d ms; claim Bound %d ms; pod with a new "
                            + "local-path claim Ready %d ms (+%d %%)%n", ROUNDS, median(plain), median(bound),
                    median(withVolume), Math.round(100.0 * (median(withVolume) - median(plain)) / median(plain)));
        }
    }
}
