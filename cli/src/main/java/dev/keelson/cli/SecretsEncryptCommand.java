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

        int call(String path, String method, String verb) {
            try (KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig)) {
                String url = client.getMasterUrl().toString().replaceAll("/$", "") + path;
                String body = "POST".equals(method) ? client.raw(url, "POST", "{}") : client.raw(url);
                if (body == null) {
                    System.err.println("keelson secrets-encrypt " + verb + ": the server does not encrypt Secrets "
                            + "(no encryption configuration)");
                    return 1;
                }
                print(new ObjectMapper().readTree(body));
                return 0;
            } catch (KubernetesClientException e) {
                System.err.println("keelson secrets-encrypt " + verb + ": " + e.getMessage());
                return 1;
            } catch (java.io.IOException e) {
                System.err.println("keelson secrets-encrypt " + verb + ": " + e.getMessage());
                return 1;
            }
        }

        private static void print(JsonNode s) {
            long total = s.path("secrets").asLong();
            long active = s.path("secretsWithActiveKey").asLong();
            System.out.println("Encryption Status: " + s.path("encryptionStatus").asText());
            System.out.println("Encryption Config: " + s.path("configFile").asText());
            System.out.println("Active Key Type: " + s.path("activeKeyType").asText());
            System.out.println("Active Key: " + s.path("activeKey").asText());
            System.out.println("Secrets: " + total + ", with the active key: " + active);
            System.out.println(total == active ? "All Secrets use the active key"
                    : (total - active) + " Secrets do not use the active key yet: run keelson secrets-encrypt rotate");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print the active key and whether every Secret is stored with it.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @Override
        public Integer call() {
            return connection.call(SecretsEncryptEndpoints.STATUS, "GET", "status");
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Add a new key, rewrite every Secret with it, then drop the old key.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        Connection connection = new Connection();

        @Override
        public Integer call() {
            return connection.call(SecretsEncryptEndpoints.ROTATE, "POST", "rotate");
        }
    }
}
