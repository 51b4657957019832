package dev.keelson.cli;

import dev.keelson.apiserver.etcd.EtcdPki;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `keelson etcd-certs`: the certificates of an etcd member that runs outside `keelson server` (the systemd HA layout,
 * scripts/cluster.sh), as kubeadm's `init phase certs etcd-*`: the etcd CA under {@code <pki-dir>/etcd} is created on
 * the first host and copied to the others; on each host this issues the member's server and peer certificates for
 * its addresses, and the apiserver's etcd client certificate.
 */
@Command(name = "etcd-certs", mixinStandardHelpOptions = true,
        description = "Create (or reuse) the etcd CA in <pki-dir>/etcd and issue this member's server and peer "
                + "certificates and the apiserver's etcd client certificate.")
public final class EtcdCertsCommand implements Callable<Integer> {
    @Option(names = "--pki-dir", defaultValue = "/var/lib/keelson/pki", description = "Default: ${DEFAULT-VALUE}.")
    Path pkiDir;

    @Option(names = "--address", split = ",", description = "This member's IP addresses (127.0.0.1 is always included).")
    List<String> addresses = List.of();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // the systemd unit passes an empty --address= when none is configured
        EtcdPki pki = EtcdPki.ensure(pkiDir, addresses.stream().filter(a -> !a.isBlank()).toList());
        Path etcd = pkiDir.resolve("etcd");
        spec.commandLine().getOut().printf("""
                etcd CA:          %s
                member (etcd):    --cert-file %s --key-file %s --client-cert-auth --trusted-ca-file %s
                                  --peer-cert-file %s --peer-key-file %s --peer-client-cert-auth --peer-trusted-ca-file %s
                apiserver:        --etcd-cafile %s --etcd-certfile %s --etcd-keyfile %s
                """, pki.caFile(), etcd.resolve("server.crt"), etcd.resolve("server.key"), pki.caFile(),
                etcd.resolve("peer.crt"), etcd.resolve("peer.key"), pki.caFile(), pki.caFile(),
                pki.apiserverClient().certFile(), pki.apiserverClient().keyFile());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
