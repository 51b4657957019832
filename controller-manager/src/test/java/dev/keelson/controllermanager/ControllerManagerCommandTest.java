package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControllerManagerCommandTest {

    private static ControllerManagerOptions parse(String... args) {
        ControllerManagerCommand command = new ControllerManagerCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    @Test
    void defaultsMatchKubeControllerManager() {
        ControllerManagerOptions o = parse("--kubeconfig", "/tmp/kc");
        assertTrue(o.common().leaderElect());
        assertEquals("kube-controller-manager", o.common().leaseName());
        assertEquals("kube-system", o.common().leaseNamespace());
        assertEquals(Duration.ofSeconds(15), o.common().leaseDuration());
        assertEquals(Duration.ofSeconds(10), o.common().renewDeadline());
        assertEquals(Duration.ofSeconds(2), o.common().retryPeriod());
        assertEquals(10257, o.common().securePort());
        assertEquals("10.244.0.0/16", o.clusterCidr());
        assertEquals(Duration.ofSeconds(40), o.nodeMonitorGracePeriod());
        assertEquals(0.1, o.nodeEvictionRate());
        assertEquals(0.01, o.secondaryNodeEvictionRate());
        assertEquals(0.55, o.unhealthyZoneThreshold());
        assertEquals(50, o.largeClusterSizeThreshold());
        assertEquals(12500, o.terminatedPodGcThreshold());
        assertEquals(ControllerManagerOptions.ALL_CONTROLLERS.size(), o.enabledControllers().size());
    }

    @Test
    void flagsOverrideDefaultsAndControllersCanBeDisabled() {
        ControllerManagerOptions o = parse("--kubeconfig", "/tmp/kc", "--leader-elect=false", "--secure-port", "0",
                "--cluster-cidr", "10.200.0.0/16", "--node-monitor-grace-period", "1m30s",
                "--controllers", "*,-nodeipam", "--concurrent-deployment-syncs", "9",
                "--unhealthy-zone-threshold", "0.7", "--terminated-pod-gc-threshold", "5");
        assertFalse(o.common().leaderElect());
        assertEquals(0, o.common().securePort());
        assertEquals("10.200.0.0/16", o.clusterCidr());
        assertEquals(Duration.ofSeconds(90), o.nodeMonitorGracePeriod());
        assertFalse(o.enabled("nodeipam"));
        assertTrue(o.enabled("deployment"));
        assertEquals(9, o.concurrentDeploymentSyncs());
        assertEquals(0.7, o.unhealthyZoneThreshold());
        assertEquals(5, o.terminatedPodGcThreshold());
        assertEquals(List.of("deployment"), parse("--kubeconfig", "/tmp/kc", "--controllers", "deployment")
                .enabledControllers().stream().toList());
    }

    @Test
    void unknownControllerAndBadDurationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> parse("--kubeconfig", "/tmp/kc", "--controllers", "cronjobz"));
        assertThrows(CommandLine.ParameterException.class,
                () -> parse("--kubeconfig", "/tmp/kc", "--node-monitor-grace-period", "40"));
        assertThrows(IllegalArgumentException.class, () -> parse("--kubeconfig", "/tmp/kc", "--unhealthy-zone-threshold", "1.5"));
        assertThrows(IllegalArgumentException.class, () -> parse("--kubeconfig", "/tmp/kc", "--terminated-pod-gc-threshold", "-1"));
    }

    @Test
    void badDurationIsAPicocliErrorNamingTheFlag() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--kubeconfig", "/tmp/kc", "--leader-elect-lease-duration", "abc"));
        assertTrue(e.getMessage().contains("--leader-elect-lease-duration"), e.getMessage());
        assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
    }

    @Test
    void helpWordsTheSharedFlagsForTheControllerManager() {
        String help = new CommandLine(new ControllerManagerCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF)
                .replaceAll("\\s+", " ");
        assertTrue(help.contains("take part in leader election before running controllers (default true)"), help);
        assertTrue(help.contains("name of the election Lease (default kube-controller-manager)"), help);
        assertTrue(help.contains("0 picks a free port (default 10257)"), help);
    }

    @Test
    void flagDefaultsAreTheBuildersDefaults() {
        ControllerManagerOptions fromFlags = parse("--kubeconfig", "/tmp/kc");
        assertEquals(ControllerManagerOptions.builder().identity(fromFlags.identity()).build(), fromFlags);
    }

    @Test
    void builderRefusesInconsistentLeaseTimingsOnlyWhenElecting() {
        assertThrows(IllegalArgumentException.class, () -> ControllerManagerOptions.builder()
                .leaseDuration(Duration.ofSeconds(5)).renewDeadline(Duration.ofSeconds(10)).build());
        assertFalse(ControllerManagerOptions.builder().leaderElect(false)
                .leaseDuration(Duration.ofSeconds(5)).renewDeadline(Duration.ofSeconds(10)).build().common().leaderElect());
    }
}
