package dev.keelson.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KubeletCommandTest {
    @Test
    void flagsDefaultAsTheKubeletDoes() {
        KubeletCommand cmd = new KubeletCommand();
        new CommandLine(cmd).parseArgs("--kubeconfig", "/tmp/kc", "--node-name", "n1");
        assertEquals(Path.of("/tmp/kc"), cmd.kubeconfig);
        assertEquals("unix:///var/run/docker.sock", cmd.dockerEndpoint);
        assertEquals("registry.k8s.io/pause:3.10", cmd.podInfraImage);
        assertEquals(10250, cmd.port);
        assertEquals(Path.of("/var/lib/keelson/kubelet"), cmd.rootDir);
    }

    @Test
    void everyPortAndReservationIsAFlag() {
        KubeletCommand cmd = new KubeletCommand();
        new CommandLine(cmd).parseArgs("--kubeconfig", "/tmp/kc", "--port", "0", "--system-reserved", "cpu=100m",
                "--kube-reserved", "memory=256Mi", "--node-ip", "10.0.0.5", "--docker-endpoint", "unix:///run/d.sock");
        assertEquals(0, cmd.port);
        assertEquals("cpu=100m", cmd.systemReserved);
        assertEquals("memory=256Mi", cmd.kubeReserved);
        assertEquals("10.0.0.5", cmd.nodeIp);
        assertEquals("unix:///run/d.sock", cmd.dockerEndpoint);
    }

    @Test
    void kubeconfigIsRequired() {
        assertThrows(CommandLine.MissingParameterException.class, () -> new CommandLine(new KubeletCommand()).parseArgs());
    }
}
