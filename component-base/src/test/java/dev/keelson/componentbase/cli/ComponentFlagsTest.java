package dev.keelson.componentbase.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.componentbase.leader.LeaderElection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ComponentFlagsTest {
    @Command(name = "component")
    static final class Component {
        @Mixin
        ComponentFlags flags = new ComponentFlags("kube-component", 10299);
    }

    private static ComponentFlags parse(CommandLine cl, String... args) {
        cl.parseArgs(args);
        return ((Component) cl.getCommand()).flags;
    }

    @Test
    void defaultsAreKubernetesOnesPlusTheComponentsLeaseAndPort() {
        ComponentFlags flags = parse(new CommandLine(new Component()), "--kubeconfig", "/tmp/kc");
        assertEquals(Path.of("/tmp/kc"), flags.kubeconfig());
        ComponentFlags.Common f = flags.common();
        assertEquals("0.0.0.0", f.bindAddress());
        assertEquals(10299, f.securePort());
        assertTrue(f.leaderElect());
        assertEquals(Duration.ofSeconds(15), f.leaseDuration());
        assertEquals(Duration.ofSeconds(10), f.renewDeadline());
        assertEquals(Duration.ofSeconds(2), f.retryPeriod());
        assertEquals("kube-system", f.leaseNamespace());
        assertEquals("kube-component", f.leaseName());
    }

    @Test
    void flagsOverrideDefaultsAndTheComponentsDefaultsComeBackOnTheNextParse() {
        CommandLine cl = new CommandLine(new Component());
        ComponentFlags.Common f = parse(cl, "--kubeconfig", "/k", "--leader-elect=false", "--secure-port", "0",
                "--bind-address", "127.0.0.1", "--leader-elect-lease-duration", "1m30s",
                "--leader-elect-resource-name", "mine", "--leader-elect-resource-namespace", "elsewhere").common();
        assertFalse(f.leaderElect());
        assertEquals(0, f.securePort());
        assertEquals("127.0.0.1", f.bindAddress());
        assertEquals(Duration.ofSeconds(90), f.leaseDuration());
        assertEquals("mine", f.leaseName());
        assertEquals("elsewhere", f.leaseNamespace());

        f = parse(cl, "--kubeconfig", "/k", "--leader-elect").common();
        assertTrue(f.leaderElect());
        assertEquals(10299, f.securePort());
        assertEquals("kube-component", f.leaseName());
    }

    static final class ComponentOptionsBuilder extends ComponentFlags.CommonBuilder<ComponentOptionsBuilder> {
        ComponentOptionsBuilder() {
            super("kube-component", 10299);
        }

        @Override
        protected ComponentOptionsBuilder self() {
            return this;
        }
    }

    @Test
    void aComponentsBuilderStartsFromTheSameDefaultsAsItsFlags() {
        ComponentFlags flags = parse(new CommandLine(new Component()), "--kubeconfig", "/tmp/kc");
        assertEquals(flags.common(), new ComponentOptionsBuilder().buildCommon());
    }

    @Test
    void commonGivesTheElectionOfAnIdentity() {
        ComponentFlags.Common c = new ComponentOptionsBuilder().leaseDuration(Duration.ofSeconds(4))
                .renewDeadline(Duration.ofSeconds(3)).retryPeriod(Duration.ofSeconds(1)).buildCommon();
        assertEquals(new LeaderElection.Options("kube-system", "kube-component", "me", Duration.ofSeconds(4),
                Duration.ofSeconds(3), Duration.ofSeconds(1)), c.election("me"));
    }

    @Test
    void contradictoryLeaseTimingsAreRefusedOnlyWhenElecting() {
        assertThrows(IllegalArgumentException.class, () -> new ComponentOptionsBuilder()
                .leaseDuration(Duration.ofSeconds(5)).renewDeadline(Duration.ofSeconds(10)).buildCommon());
        assertFalse(new ComponentOptionsBuilder().leaderElect(false).leaseDuration(Duration.ofSeconds(5))
                .renewDeadline(Duration.ofSeconds(10)).buildCommon().leaderElect());
    }

    @Test
    void kubeconfigIsRequired() {
        CommandLine cl = new CommandLine(new Component());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, cl::parseArgs);
        assertTrue(e.getMessage().contains("--kubeconfig"), e.getMessage());
    }

    @Test
    void badDurationNamesItsFlag() {
        CommandLine cl = new CommandLine(new Component());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> cl.parseArgs("--kubeconfig", "/k", "--leader-elect-retry-period", "abc"));
        assertTrue(e.getMessage().contains("--leader-elect-retry-period"), e.getMessage());
        assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
    }

    @Test
    void helpShowsTheComponentsDefaults() {
        String help = new CommandLine(new Component()).getUsageMessage(CommandLine.Help.Ansi.OFF)
                .replaceAll("\\s+", " ");
        assertTrue(help.contains("name of the election Lease (default kube-component)"), help);
        assertTrue(help.contains("0 picks a free port (default 10299)"), help);
        assertTrue(help.contains("take part in leader election (default true)"), help);
    }
}
