package dev.keelson.componentbase.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/** Writes kubeconfig files with embedded certificates, usable as is by kubectl and fabric8. */
public final class Kubeconfigs {
    private Kubeconfigs() {}

    public static String render(String server, String caPem, String clientCertPem, String clientKeyPem, String user) {
        Base64.Encoder b64 = Base64.getEncoder();
        return "apiVersion: v1\n"
                + "kind: Config\n"
                + "clusters:\n"
                + "- name: keelson\n"
                + "  cluster:\n"
                + "    server: " + server + "\n"
                + "    certificate-authority-data: " + b64.encodeToString(caPem.getBytes(StandardCharsets.UTF_8)) + "\n"
                + "users:\n"
                + "- name: " + user + "\n"
                + "  user:\n"
                + "    client-certificate-data: " + b64.encodeToString(clientCertPem.getBytes(StandardCharsets.UTF_8)) + "\n"
                + "    client-key-data: " + b64.encodeToString(clientKeyPem.getBytes(StandardCharsets.UTF_8)) + "\n"
                + "contexts:\n"
                + "- name: keelson\n"
                + "  context:\n"
                + "    cluster: keelson\n"
                + "    user: " + user + "\n"
                + "current-context: keelson\n";
    }

    public static void write(Path file, String server, String caPem, String clientCertPem, String clientKeyPem,
                             String user) {
        Pem.writePrivate(file, render(server, caPem, clientCertPem, clientKeyPem, user));
    }
}
