package dev.keelson.cli;

import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Kubeconfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `keelson kubeconfig user NAME --group G`: a kubeconfig for a new person, with a client certificate for user NAME in
 * groups G signed by the cluster CA (run on a server host, where the CA key is). What it may do is up to RBAC:
 * the user has nothing beyond discovery and self reviews until a binding names it or one of its groups.
 */
@Command(name = "kubeconfig", mixinStandardHelpOptions = true, subcommands = KubeconfigCommand.User.class,
        description = "Make kubeconfigs signed by the cluster CA.")
public final class KubeconfigCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = "Write a kubeconfig with a client certificate for user NAME (CN) in the given groups (O).")
    static final class User implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The user name (the certificate's CN).")
        String name;

        @Option(names = "--group", description = "A group of the user (the certificate's O); repeatable.")
        List<String> groups = List.of();

        @Option(names = "--data-dir", defaultValue = "/var/lib/keelson",
                description = "The server's data dir, with pki/ca.crt and pki/ca.key. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--server", defaultValue = "https://127.0.0.1:6443",
                description = "The apiserver URL written in the kubeconfig. Default: ${DEFAULT-VALUE}.")
        String server;

        @Option(names = "--duration", defaultValue = "8760h",
                description = "Validity of the certificate, as 24h or 30m. Default: ${DEFAULT-VALUE}.")
        String duration;

        @Option(names = {"-o", "--output"}, description = "Write the kubeconfig to this file (mode 0600) instead of "
                + "standard output.")
        Path output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (name.isBlank() || groups.contains("system:masters")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), name.isBlank()
                        ? "NAME must not be empty" : "refusing to issue a system:masters certificate: it bypasses "
                        + "RBAC and cannot be revoked; bind the user to cluster-admin instead");
            }
            Path pki = dataDir.resolve("pki");
            CertificateAuthority ca = CertificateAuthority.load(pki.resolve("ca.crt"), pki.resolve("ca.key"));
            CertificateAuthority.Issued cert = ca.issueClient(name, groups, parse(duration));
            String text = Kubeconfigs.render(server, Files.readString(pki.resolve("ca.crt")), cert.certificatePem(),
                    cert.keyPem(), name);
            if (output == null) {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            } else {
                Files.deleteIfExists(output);
                Files.createFile(output, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        "rw-------")));
                Files.writeString(output, text);
            }
            return 0;
        }

        static Duration parse(String text) {
            String t = text.trim();
            if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            throw new IllegalArgumentException("--duration must be hours (24h) or minutes (30m): " + text);
        }
    }
}
