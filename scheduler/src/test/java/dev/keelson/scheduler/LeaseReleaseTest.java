package dev.keelson.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.scheduler.testing.ClusterHelper;
import dev.keelson.scheduler.testing.SchedulerProcessMain;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A scheduler that stops cleanly releases its Lease as Kubernetes components do (ReleaseOnCancel): the holder is
 * cleared, so a standby leads at once instead of after the lease duration. The lease here is 60 s and every wait
 * for the standby ends at 30 s, so only a real release can pass.
 */
@Tag("integration")
class LeaseReleaseTest {
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration WELL_BEFORE_EXPIRY = Duration.ofSeconds(30);
    private static final String NS = "kube-system";
    private static final String NAME = "kube-scheduler";

    private static SchedulerOptions inProcess(String identity) {
        return SchedulerOptions.builder().identity(identity).bindAddress("127.0.0.1").securePort(0)
                .leaseDuration(LEASE).renewDeadline(Duration.ofSeconds(40)).retryPeriod(Duration.ofSeconds(1)).build();
    }

    @Test
    void leaseHasNoHolderAfterTheLeaderStopsCleanly() {
        try (TestCluster cluster = TestCluster.start();
             KubernetesClient schedulerClient = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            ensureKubeSystem(client);
            Scheduler leader = new Scheduler(schedulerClient, inProcess("scheduler-release-solo"));
            try {
                leader.start();
                ClusterHelper.await("scheduler-release-solo to lead", WELL_BEFORE_EXPIRY, leader::isLeader, l -> l);
                assertEquals("scheduler-release-solo", spec(client).getHolderIdentity());
            } finally {
                leader.close();
            }
            LeaseSpec released = spec(client);
            assertEquals("", released.getHolderIdentity(), "released lease: " + released);
            assertEquals(1, released.getLeaseDurationSeconds(), "released lease: " + released);
        }
    }

    @Test
    void standbyLeadsAtOnceWhenTheLeaderProcessIsStoppedWithSigterm() throws Exception {
        try (TestCluster cluster = TestCluster.start();
             KubernetesClient standbyClient = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            ensureKubeSystem(client);
            Path log = Files.createTempFile("scheduler-lease-release-", ".log");
            Process leaderProcess = startSchedulerProcess(cluster.kubeconfig(), log);
            Scheduler standby = new Scheduler(standbyClient, inProcess("scheduler-release-standby"));
            List<String> holders = new CopyOnWriteArrayList<>();
            Watch watch = null;
            try {
                String leaderIdentity = ClusterHelper.await("the scheduler process to take the lease", Duration.ofSeconds(60),
                        () -> leaderProcess.isAlive() ? holderOrNull(client) : "process exited: " + tail(log),
                        h -> h != null && !h.isEmpty());
                assertTrue(leaderProcess.isAlive(), tail(log));
                standby.start();
                watch = client.leases().inNamespace(NS).withName(NAME).watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Lease lease) {
                        holders.add(String.valueOf(lease.getSpec().getHolderIdentity()));
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                assertFalse(standby.isLeader(), "the standby waits while the process holds the lease");
                assertEquals(leaderIdentity, holderOrNull(client));

                leaderProcess.destroy();
                assertTrue(leaderProcess.waitFor(WELL_BEFORE_EXPIRY.toSeconds(), TimeUnit.SECONDS),
                        "the scheduler process did not exit after SIGTERM: " + tail(log));
                ClusterHelper.await("the standby to hold the lease", WELL_BEFORE_EXPIRY, () -> holderOrNull(client),
                        "scheduler-release-standby"::equals);
                ClusterHelper.await("the standby to lead", WELL_BEFORE_EXPIRY, standby::isLeader, l -> l);
                assertTrue(holders.contains(""), "the stopped leader cleared the holder before the standby took "
                        + "the lease; holders seen: " + holders + "; leader log: " + tail(log));
                assertTrue(tail(log).contains("released lease " + NS + "/" + NAME), tail(log));
            } finally {
                if (watch != null) {
                    watch.close();
                }
                standby.close();
                leaderProcess.destroyForcibly();
                Files.deleteIfExists(log);
            }
        }
    }

    private static Process startSchedulerProcess(Path kubeconfig, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SchedulerProcessMain.class.getName(),
                "--kubeconfig", kubeconfig.toString(), "--bind-address", "127.0.0.1", "--secure-port", "0",
                "--leader-elect-lease-duration", LEASE.toSeconds() + "s", "--leader-elect-renew-deadline", "40s",
                "--leader-elect-retry-period", "1s"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void ensureKubeSystem(KubernetesClient client) {
        if (client.namespaces().withName(NS).get() == null) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        }
    }

    private static LeaseSpec spec(KubernetesClient client) {
        return client.leases().inNamespace(NS).withName(NAME).get().getSpec();
    }

    private static String holderOrNull(KubernetesClient client) {
        Lease lease = client.leases().inNamespace(NS).withName(NAME).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
