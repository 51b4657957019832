package dev.keelson.cli;

import dev.keelson.apiserver.auth.BootstrapToken;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.componentbase.cli.GoDuration;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * `keelson token create|list|delete`: the cluster's node join tokens, as kubeadm's bootstrap tokens (Secrets
 * {@code kube-system/bootstrap-token-<id>}), through the API with the admin kubeconfig.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Manage node join tokens (bootstrap tokens, as kubeadm's).",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Delete.class})
public final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The API connection every token subcommand uses. */
    static final class Connection {
        @Option(names = "--kubeconfig", defaultValue = "/var/lib/keelson/admin.kubeconfig",
                description = "Admin kubeconfig of the cluster. Default: ${DEFAULT-VALUE}.")
        Path kubeconfig;

        KubernetesClient client() {
            return KubeClients.fromKubeconfig(kubeconfig);
        }

        /** The SHA-256 of the cluster CA the kubeconfig trusts, which a join token pins. */
        String caFingerprint() {
            String data = KubeClients.configFrom(kubeconfig).getCaCertData();
            if (data == null || data.isEmpty()) {
                throw new IllegalStateException(kubeconfig + " embeds no certificate-authority-data");
            }
            return CertificateRequests.fingerprint(Pem.certificate(new String(Base64.getDecoder().decode(data),
                    StandardCharsets.UTF_8)));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a join token and print it (K1<sha256 of the CA>::<id>.<secret>).")
    static final class Create implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @Option(names = "--ttl", defaultValue = "24h", converter = GoDuration.class,
                description = "How long the token is valid; 0 never expires. Default: ${DEFAULT-VALUE}.")
        Duration ttl;

        @Option(names = "--description", description = "What the token is for.")
        String description;

        @Option(names = "--groups", split = ",", defaultValue = BootstrapToken.DEFAULT_NODE_TOKEN_GROUP,
                description = "Extra groups (system:bootstrappers:...). Default: ${DEFAULT-VALUE}.")
        List<String> groups;

        @Override
        public Integer call() {
            for (String g : groups) {
                if (!BootstrapToken.validExtraGroup(g)) {
                    System.err.println("keelson token create: group \"" + g + "\" must match "
                            + "system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
                    return 2;
                }
            }
            if (ttl.isNegative()) {
                System.err.println("keelson token create: --ttl must not be negative");
                return 2;
            }
            BootstrapToken token = BootstrapToken.generate();
            try (KubernetesClient client = connection.client()) {
                Secret secret = client.getKubernetesSerialization().convertValue(
                        token.toSecret(ttl, description, groups, Instant.now()), Secret.class);
                client.secrets().inNamespace(BootstrapToken.NAMESPACE).resource(secret).create();
            }
            System.out.println(new NodeBootstrap.Token(connection.caFingerprint(), token.toString()));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the join tokens.")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @Override
        public Integer call() {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"});
            try (KubernetesClient client = connection.client()) {
                for (Secret s : client.secrets().inNamespace(BootstrapToken.NAMESPACE)
                        .withField("type", BootstrapToken.SECRET_TYPE).list().getItems()) {
                    Map<String, String> data = s.getData() == null ? Map.of() : s.getData();
                    String id = decode(data.get("token-id"));
                    if (!s.getMetadata().getName().equals(BootstrapToken.SECRET_PREFIX + id)) {
                        continue;
                    }
                    String expiration = decode(data.get("expiration"));
                    List<String> usages = new ArrayList<>();
                    data.keySet().stream().filter(k -> k.startsWith("usage-bootstrap-")).sorted()
                            .filter(k -> "true".equals(decode(data.get(k))))
                            .forEach(k -> usages.add(k.substring("usage-bootstrap-".length())));
                    String description = decode(data.get("description"));
                    String groups = decode(data.get("auth-extra-groups"));
                    rows.add(new String[] {id + "." + decode(data.get("token-secret")), ttl(expiration),
                            expiration.isEmpty() ? "<never>" : expiration, String.join(",", usages),
                            description.isEmpty() ? "<none>" : description, groups.isEmpty() ? "<none>" : groups});
                }
            }
            print(rows);
            return 0;
        }

        private static String ttl(String expiration) {
            if (expiration.isEmpty()) {
                return "<forever>";
            }
            try {
                Duration left = Duration.between(Instant.now(), Instant.parse(expiration));
                return left.isNegative() ? "<invalid>" : dev.keelson.apiserver.printers.Format.humanDuration(left);
            } catch (DateTimeParseException e) {
                return "<invalid>";
            }
        }

        private static void print(List<String[]> rows) {
            int[] width = new int[rows.get(0).length];
            rows.forEach(r -> {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            });
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 3) + "s", r[i]));
                }
                System.out.println(line.toString().stripTrailing());
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete (revoke) join tokens by id, bootstrap token or join token.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @Parameters(arity = "1..*", paramLabel = "ID", description = "Token ids (abcdef), tokens or join tokens.")
        List<String> ids;

        @Override
        public Integer call() {
            int status = 0;
            try (KubernetesClient client = connection.client()) {
                for (String given : ids) {
                    String id = idOf(given);
                    if (id == null) {
                        System.err.println("keelson token delete: \"" + given + "\" is not a token id ([a-z0-9]{6})"
                                + " nor a token");
                        status = 1;
                        continue;
                    }
                    try {
                        var deleted = client.secrets().inNamespace(BootstrapToken.NAMESPACE)
                                .withName(BootstrapToken.SECRET_PREFIX + id).delete();
                        if (deleted.isEmpty()) {
                            System.err.println("keelson token delete: bootstrap token \"" + id + "\" not found");
                            status = 1;
                        } else {
                            System.out.println("bootstrap token \"" + id + "\" deleted");
                        }
                    } catch (KubernetesClientException e) {
                        System.err.println("keelson token delete: " + e.getMessage());
                        status = 1;
                    }
                }
            }
            return status;
        }

        static String idOf(String given) {
            String t = given.trim();
            if (t.startsWith("K1") && t.contains("::")) {
                t = t.substring(t.indexOf("::") + 2);
            }
            if (t.matches("[a-z0-9]{6}")) {
                return t;
            }
            BootstrapToken token = BootstrapToken.parse(t);
            return token == null ? null : token.id();
        }
    }

    private static String decode(String base64) {
        if (base64 == null) {
            return "";
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
