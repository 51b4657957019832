package dev.keelson.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `keelson secrets-encrypt status|rotate` against a running apiserver that encrypts Secrets. */
class SecretsEncryptCommandTest {

    @Test
    void statusShowsTheActiveKeyAndRotateReplacesIt() {
        try (TestCluster cluster = TestCluster.startSecured(dir -> new SecurityFlags().forServer(dir)
                .withAudit(null))) {
            for (int i = 0; i < 3; i++) {
                cluster.client().secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
                        .withName("s" + i).endMetadata().addToStringData("k", "v").build()).create();
            }
            String kubeconfig = cluster.kubeconfig().toString();
            Result status = keelson("secrets-encrypt", "status", "--kubeconfig", kubeconfig);
            assertEquals(0, status.code(), status.err());
            assertTrue(status.out().contains("Encryption Status: Enabled"), status.out());
            assertTrue(status.out().contains("Active Key Type: aescbc"), status.out());
            assertTrue(status.out().contains("All Secrets use the active key"), status.out());
            String before = line(status.out(), "Active Key: ");

            Result rotate = keelson("secrets-encrypt", "rotate", "--kubeconfig", kubeconfig);
            assertEquals(0, rotate.code(), rotate.err());
            String after = line(rotate.out(), "Active Key: ");
            assertNotEquals(before, after);
            assertTrue(rotate.out().contains("All Secrets use the active key"), rotate.out());
        }
    }

    @Test
    void statusOfAServerWithoutEncryptionSaysSo() {
        try (TestCluster cluster = TestCluster.startSecured(dir -> SecurityOptions.NONE)) {
            Result status = keelson("secrets-encrypt", "status", "--kubeconfig", cluster.kubeconfig().toString());
            assertEquals(1, status.code());
            assertTrue(status.err().contains("the server does not encrypt Secrets"), status.err());
        }
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    record Result(int code, String out, String err) {}

    private static Result keelson(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Keelson());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
