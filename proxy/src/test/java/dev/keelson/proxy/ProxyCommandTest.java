package dev.keelson.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProxyCommandTest {
    @Test
    void defaultsMatchKubeProxy() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--kubeconfig", "/etc/keelson/proxy.kubeconfig");
        assertEquals(Path.of("/etc/keelson/proxy.kubeconfig"), command.kubeconfig);
        assertEquals("10.244.0.0/16", command.clusterCidr);
        assertEquals(Duration.ofSeconds(1), command.minSyncPeriod);
        assertEquals(Duration.ofSeconds(30), command.syncPeriod);
        assertEquals(10256, command.healthzPort);
        assertEquals(10249, command.metricsPort);
    }

    @Test
    void durationsAcceptGoStyleUnits() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--min-sync-period", "250ms", "--sync-period", "1m30s", "--cleanup");
        assertEquals(Duration.ofMillis(250), command.minSyncPeriod);
        assertEquals(Duration.ofSeconds(90), command.syncPeriod);
        assertTrue(command.cleanup);
    }

    @Test
    void badDurationIsAClearError() {
        var e = assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new ProxyCommand()).parseArgs("--sync-period", "soon"));
        assertTrue(e.getMessage().contains("'soon' is not a duration"), e.getMessage());
    }

    @Test
    void badClusterCidrIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ProxyOptions.defaults("n").withClusterCidr("10.244.0.0"));
        assertTrue(e.getMessage().contains("IPv4 CIDR"), e.getMessage());
    }
}
