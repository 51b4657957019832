package dev.keelson.cli;

import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.ServingLimits;
import dev.keelson.apiserver.admission.AdmissionPlugins;
import dev.keelson.apiserver.auth.AuthorizerChain;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdTls;
import dev.keelson.componentbase.cli.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The apiserver flags `keelson server` shares with `keelson apiserver`. */
final class ApiServerFlags {
    @picocli.CommandLine.Mixin
    ServiceAccountTokenFlags serviceAccountTokens = new ServiceAccountTokenFlags();

    @Option(names = "--secure-port", defaultValue = "6443", description = "HTTPS port; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int securePort;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String bindAddress;

    @Option(names = "--data-dir", defaultValue = "/var/lib/keelson", description = "Where the PKI and admin kubeconfig live. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--advertise-address", description = "Address the `kubernetes` Service's endpoints point to.")
    String advertiseAddress;

    @Option(names = "--service-cluster-ip-range", defaultValue = "10.96.0.0/12", description = "Default: ${DEFAULT-VALUE}.")
    String serviceRange;

    @Option(names = "--service-node-port-range", defaultValue = "30000-32767", description = "Default: ${DEFAULT-VALUE}.")
    String nodePortRange;

    @Option(names = "--token-auth-file", description = "Static bearer tokens: token,user,uid,\"group1,group2\" per line.")
    Path tokenAuthFile;

    @Option(names = "--default-not-ready-toleration-seconds", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}.")
    long notReadySeconds;

    @Option(names = "--default-unreachable-toleration-seconds", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}.")
    long unreachableSeconds;

    @Option(names = "--etcd-cafile", description = "CA file that signed etcd's serving certificate (TLS to etcd).")
    Path etcdCaFile;

    @Option(names = "--etcd-certfile", description = "Client certificate the apiserver presents to etcd.")
    Path etcdCertFile;

    @Option(names = "--etcd-keyfile", description = "Key of --etcd-certfile.")
    Path etcdKeyFile;

    @Option(names = "--etcd-compaction-interval", defaultValue = "5m", converter = GoDuration.class,
            description = "How often the apiserver compacts etcd's history; 0 never. Default: ${DEFAULT-VALUE}.")
    Duration etcdCompactionInterval;

    /** TLS to an etcd named by --etcd-servers, from the kube-apiserver flags. */
    EtcdTls etcdTls() {
        if (etcdCaFile == null && etcdCertFile == null && etcdKeyFile == null) {
            return null;
        }
        if (etcdCaFile == null || (etcdCertFile == null) != (etcdKeyFile == null)) {
            throw new IllegalArgumentException("--etcd-cafile is required with --etcd-certfile, and "
                    + "--etcd-certfile and --etcd-keyfile go together");
        }
        return new EtcdTls(etcdCaFile, etcdCertFile, etcdKeyFile);
    }

    ApiServerOptions options(List<String> etcd, EtcdTls tls, Duration compactionInterval) {
        return options(etcd).withEtcd(EtcdOptions.defaults().withTls(tls).withCompactionInterval(compactionInterval));
    }

    @Option(names = "--authorization-mode", defaultValue = "Node,RBAC", description = "Ordered list of "
            + "authorization modes: Node, RBAC, AlwaysAllow, AlwaysDeny (AlwaysAllow lets every authenticated user do "
            + "everything). Default: ${DEFAULT-VALUE}.")
    String authorizationMode;

    @Option(names = "--enable-admission-plugins", defaultValue = "", description = "Admission plugins to enable "
            + "beside the default ones (NamespaceLifecycle, LimitRanger, NodeRestriction, PodSecurity, "
            + "DefaultTolerationSeconds, ResourceQuota); also available: AlwaysPullImages, ServiceAccount.")
    String enableAdmissionPlugins;

    @Option(names = "--disable-admission-plugins", defaultValue = "", description = "Admission plugins to disable.")
    String disableAdmissionPlugins;

    static List<String> commaList(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    ApiServerOptions.Access access() {
        List<String> modes = commaList(authorizationMode);
        AuthorizerChain.validate(modes);
        List<String> enable = commaList(enableAdmissionPlugins);
        List<String> disable = commaList(disableAdmissionPlugins);
        AdmissionPlugins.enabled(enable, disable);
        return new ApiServerOptions.Access(modes, enable, disable);
    }

    @Option(names = "--request-timeout", defaultValue = "60", description = "Seconds a non-long-running request may take before it is answered 504. Default: ${DEFAULT-VALUE}.")
    long requestTimeoutSeconds;

    @Option(names = "--max-requests-inflight", defaultValue = "400", description = "Read-only requests served at once; more are answered 429 (0: no limit). Default: ${DEFAULT-VALUE}.")
    int maxRequestsInflight;

    @Option(names = "--max-mutating-requests-inflight", defaultValue = "200", description = "Mutating requests served at once; more are answered 429 (0: no limit). Default: ${DEFAULT-VALUE}.")
    int maxMutatingRequestsInflight;

    @Option(names = "--max-connections", defaultValue = "10000", description = "Open client connections at most; more are closed at once. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-unauthenticated-connections-per-address", defaultValue = "256", description = "Open connections of one client address that have not authenticated yet. Default: ${DEFAULT-VALUE}.")
    int maxUnauthenticatedPerAddress;

    private ServingLimits limits() {
        ServingLimits d = ServingLimits.defaults();
        return d.withRequestTimeout(Duration.ofSeconds(requestTimeoutSeconds))
                .withInflight(maxRequestsInflight, maxMutatingRequestsInflight)
                .withConnections(d.headerReadTimeout(), d.idleTimeout(), d.tlsHandshakeTimeout(), maxConnections,
                        maxUnauthenticatedPerAddress);
    }

    ApiServerOptions options(List<String> etcd) {
        String[] range = nodePortRange.split("-");
        if (range.length != 2) {
            throw new IllegalArgumentException("--service-node-port-range must look like 30000-32767");
        }
        return new ApiServerOptions(etcd, bindAddress, securePort, dataDir, serviceRange, Integer.parseInt(range[0]),
                Integer.parseInt(range[1]), tokenAuthFile, advertiseAddress, notReadySeconds, unreachableSeconds, 0)
                .withAccess(access()).withLimits(limits());
    }
}
