package dev.keelson.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SchedulerCommandTest {
    @Test
    void defaultsMatchKubeScheduler() {
        SchedulerCommand cmd = new SchedulerCommand();
        new CommandLine(cmd).parseArgs("--kubeconfig", "/tmp/k");
        assertEquals(10259, cmd.securePort);
        assertTrue(cmd.leaderElect);
        assertEquals(Duration.ofSeconds(15), cmd.leaseDuration);
        assertEquals(Duration.ofSeconds(10), cmd.renewDeadline);
        assertEquals(Duration.ofSeconds(2), cmd.retryPeriod);
        assertEquals("kube-system", cmd.leaseNamespace);
        assertEquals("kube-scheduler", cmd.leaseName);
        assertEquals("default-scheduler", cmd.schedulerName);
    }

    @Test
    void flagsOverrideDefaults() {
        SchedulerCommand cmd = new SchedulerCommand();
        new CommandLine(cmd).parseArgs("--kubeconfig", "/tmp/k", "--leader-elect=false", "--secure-port", "0",
                "--leader-elect-lease-duration", "1m30s", "--score-weight", "TaintToleration=5", "--scheduler-name", "mine");
        assertFalse(cmd.leaderElect);
        assertEquals(0, cmd.securePort);
        assertEquals(Duration.ofSeconds(90), cmd.leaseDuration);
        assertEquals(Map.of("TaintToleration", 5), cmd.scoreWeights);
        assertEquals("mine", cmd.schedulerName);
    }

    @Test
    void badDurationIsAClearError() {
        SchedulerCommand cmd = new SchedulerCommand();
        CommandLine cl = new CommandLine(cmd);
        assertThrows(CommandLine.ParameterException.class, () -> cl.parseArgs("--kubeconfig", "/k", "--leader-elect-retry-period", "2 seconds"));
        assertNotEquals(0, cl.execute("--kubeconfig", "/k", "--leader-elect-retry-period", "fast"));
    }

    @Test
    void inconsistentLeaseTimingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SchedulerOptions.defaults()
                .withLeaderElection(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2)));
    }
}
