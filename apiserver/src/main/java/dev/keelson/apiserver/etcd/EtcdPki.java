package dev.keelson.apiserver.etcd;

import dev.keelson.apiserver.storage.EtcdTls;
import dev.keelson.componentbase.tls.CertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded etcd's own CA and certificates, laid out as kubeadm does: {@code pki/etcd/ca.crt} (a CA of its own,
 * not the cluster's: the cluster CA signs node certificates, which must not open etcd), {@code pki/etcd/server.crt}
 * (client URL), {@code pki/etcd/peer.crt} (peer URL) and {@code pki/apiserver-etcd-client.crt}, the only client
 * certificate it issues. The CA is kept across restarts; the leaf certificates are issued again on every start so
 * new addresses are covered.
 */
public final class EtcdPki {
    private static final Duration VALIDITY = Duration.ofDays(365);
    private final Path pki;

    private EtcdPki(Path pki) {
        this.pki = pki;
    }

    /** Creates (or reuses) the etcd CA under {@code pkiDir/etcd} and issues the certificates for {@code ips}. */
    public static EtcdPki ensure(Path pkiDir, List<String> ips) {
        Path dir = pkiDir.resolve("etcd");
        privateDir(pkiDir);
        privateDir(dir);
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"),
                "etcd-ca");
        List<String> dns = List.of("localhost", CertificateAuthority.hostName());
        List<String> addresses = new ArrayList<>(List.of("127.0.0.1"));
        ips.stream().filter(ip -> !addresses.contains(ip)).forEach(addresses::add);
        // both usages on the server certificate too, as kubeadm: etcd's own HTTP gateway dials its gRPC server with it
        ca.issuePeer("etcd-server", dns, addresses, VALIDITY).write(dir.resolve("server.crt"),
                dir.resolve("server.key"));
        ca.issuePeer("etcd-peer", dns, addresses, VALIDITY).write(dir.resolve("peer.crt"), dir.resolve("peer.key"));
        ca.issueClient("kube-apiserver-etcd-client", List.of("system:masters"), VALIDITY).write(
                pkiDir.resolve("apiserver-etcd-client.crt"), pkiDir.resolve("apiserver-etcd-client.key"));
        return new EtcdPki(pkiDir);
    }

    static void privateDir(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    public Path caFile() {
        return pki.resolve("etcd/ca.crt");
    }

    /** etcd's flags for TLS with client certificates on both its client and its peer URL. */
    List<String> etcdFlags() {
        Path dir = pki.resolve("etcd");
        return List.of("--cert-file", dir.resolve("server.crt").toString(),
                "--key-file", dir.resolve("server.key").toString(),
                "--client-cert-auth", "--trusted-ca-file", caFile().toString(),
                "--peer-cert-file", dir.resolve("peer.crt").toString(),
                "--peer-key-file", dir.resolve("peer.key").toString(),
                "--peer-client-cert-auth", "--peer-trusted-ca-file", caFile().toString());
    }

    /** The apiserver's side: the etcd CA and its client certificate. */
    public EtcdTls apiserverClient() {
        return new EtcdTls(caFile(), pki.resolve("apiserver-etcd-client.crt"),
                pki.resolve("apiserver-etcd-client.key"));
    }
}
