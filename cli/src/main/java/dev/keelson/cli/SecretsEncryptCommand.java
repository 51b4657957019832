package dev.keelson.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.http.SecretsEncryptEndpoints;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `keelson secrets-encrypt status|rotate`, as k3s': the active key of Secrets and whether every Secret is
 * stored with it; a new key, every Secret rewritten with it, the old key dropped.
 */
@Command(name = "secrets-encrypt", mixinStandardHelpOptions = true,
        description = "Show or rotate the key that encrypts Secrets in etcd.",
        subcommands = {SecretsEncryptCommand.Status.class, SecretsEncryptCommand.Rotate.class})
public final class SecretsEncryptCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Connection {
        @Option(names = "--kubeconfig", defaultValue = "/var/lib/keelson/admin.kubeconfig",
                description = "Admin kubeconfig of the cluster. Default: ${DEFAULT-VALUE}.")
        Path kubeconfig;

        int call(String path, String method, String verb, picocli.CommandLine.Model.CommandSpec spec) {
            java.io.PrintWriter out = spec.commandLine().getOut();
            java.io.PrintWriter err = spec.commandLine().getErr();
            try (KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig)) {
                String url = client.getMasterUrl().toString().replaceAll("/$", "") + path;
                String body = "POST".equals(method) ? client.raw(url, "POST", "{}") : client.raw(url);
                if (body == null) {
                    err.println("keelson secrets-encrypt " + verb + ": the server does not encrypt Secrets "
                            + "(no encryption configuration)");
                    return 1;
                }
                print(new ObjectMapper().readTree(body), out);
                out.flush();
                return 0;
            } catch (KubernetesClientException e) {
                err.println("keelson secrets-encrypt " + verb + ": " + e.getMessage());
                return 1;
            } catch (java.io.IOException e) {
                err.println("keelson secrets-encrypt " + verb + ": " + e.getMessage());
                return 1;
            }
        }

        private static void print(JsonNode s, java.io.PrintWriter out) {
            long total = s.path("secrets").asLong();
            long active = s.path("secretsWithActiveKey").asLong();
            out.println("Encryption Status: " + s.path("encryptionStatus").asText());
            out.println("Encryption Config: " + s.path("configFile").asText());
            out.println("Active Key Type: " + s.path("activeKeyType").asText());
            out.println("Active Key: " + s.path("activeKey").asText());
            out.println("Secrets: " + total + ", with the active key: " + active);
            out.println(total == active ? "All Secrets use the active key"
                    : (total - active) + " Secrets do not use the active key yet: run keelson secrets-encrypt rotate");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the active key and whether every Secret is stored with it.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return connection.call(SecretsEncryptEndpoints.STATUS, "GET", "status", spec);
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Add a new key, rewrite every Secret with it, then drop the old key.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return connection.call(SecretsEncryptEndpoints.ROTATE, "POST", "rotate", spec);
        }
    }
}
