package dev.keelson.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SchedulerCommandTest {
    private static SchedulerCommand parse(String... args) {
        SchedulerCommand cmd = new SchedulerCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void defaultsMatchKubeScheduler() {
        SchedulerOptions o = parse("--kubeconfig", "/tmp/k").options();
        assertEquals(10259, o.common().securePort());
        assertEquals("0.0.0.0", o.common().bindAddress());
        assertTrue(o.common().leaderElect());
        assertEquals(Duration.ofSeconds(15), o.common().leaseDuration());
        assertEquals(Duration.ofSeconds(10), o.common().renewDeadline());
        assertEquals(Duration.ofSeconds(2), o.common().retryPeriod());
        assertEquals("kube-system", o.common().leaseNamespace());
        assertEquals("kube-scheduler", o.common().leaseName());
        assertEquals("default-scheduler", o.schedulerName());
        assertEquals(SchedulerOptions.builder().identity(o.identity()).build(), o);
    }

    @Test
    void flagsOverrideDefaults() {
        SchedulerCommand cmd = parse("--kubeconfig", "/tmp/k", "--leader-elect=false", "--secure-port", "0",
                "--leader-elect-lease-duration", "1m30s", "--score-weight", "TaintToleration=5", "--scheduler-name", "mine");
        SchedulerOptions o = cmd.options();
        assertEquals(Path.of("/tmp/k"), cmd.flags.kubeconfig());
        assertFalse(o.common().leaderElect());
        assertEquals(0, o.common().securePort());
        assertEquals(Duration.ofSeconds(90), o.common().leaseDuration());
        assertEquals(Map.of("TaintToleration", 5), o.scoreWeights());
        assertEquals("mine", o.schedulerName());
    }

    @Test
    void badDurationIsAClearError() {
        SchedulerCommand cmd = new SchedulerCommand();
        CommandLine cl = new CommandLine(cmd);
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> cl.parseArgs("--kubeconfig", "/k", "--leader-elect-retry-period", "abc"));
        assertTrue(e.getMessage().contains("--leader-elect-retry-period"), e.getMessage());
        assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
        assertThrows(CommandLine.ParameterException.class, () -> cl.parseArgs("--kubeconfig", "/k", "--leader-elect-retry-period", "2 seconds"));
        assertNotEquals(0, cl.execute("--kubeconfig", "/k", "--leader-elect-retry-period", "fast"));
    }

    @Test
    void helpWordsTheSharedFlagsForTheScheduler() {
        String help = new CommandLine(new SchedulerCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF)
                .replaceAll("\\s+", " ");
        assertTrue(help.contains("take part in leader election before scheduling (default true)"), help);
        assertTrue(help.contains("name of the election Lease (default kube-scheduler)"), help);
        assertTrue(help.contains("0 picks a free port (default 10259)"), help);
    }

    @Test
    void inconsistentLeaseTimingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SchedulerOptions.builder()
                .leaseDuration(Duration.ofSeconds(5)).renewDeadline(Duration.ofSeconds(10)).build());
    }
}
