package dev.keelson.apiserver;

import dev.keelson.apiserver.storage.EtcdOptions;
import java.nio.file.Path;
import java.util.List;

/** The apiserver's settings, as its command-line flags give them. */
public record ApiServerOptions(List<String> etcdServers, String bindAddress, int securePort, Path dataDir,
                               String serviceClusterIpRange, int nodePortMin, int nodePortMax, Path tokenAuthFile,
                               String advertiseAddress, long notReadyTolerationSeconds,
                               long unreachableTolerationSeconds, int httpServers, EtcdOptions etcd, Access access,
                               ServingLimits limits) {

    /** {@code --authorization-mode} and {@code --enable-admission-plugins} / {@code --disable-admission-plugins}. */
    public record Access(List<String> authorizationModes, List<String> enableAdmissionPlugins,
                         List<String> disableAdmissionPlugins) {
        public static final Access DEFAULT = new Access(List.of("Node", "RBAC"), List.of(), List.of());
    }

    public ApiServerOptions(List<String> etcdServers, String bindAddress, int securePort, Path dataDir,
                            String serviceClusterIpRange, int nodePortMin, int nodePortMax, Path tokenAuthFile,
                            String advertiseAddress, long notReadyTolerationSeconds, long unreachableTolerationSeconds,
                            int httpServers) {
        this(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin, nodePortMax,
                tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds, httpServers,
                EtcdOptions.defaults(), Access.DEFAULT, ServingLimits.defaults());
    }

    public static ApiServerOptions defaults(List<String> etcdServers, Path dataDir) {
        return new ApiServerOptions(etcdServers, "0.0.0.0", 6443, dataDir, "10.96.0.0/12", 30000, 32767, null, null,
                300, 300, 0);
    }

    public ApiServerOptions withPort(String bind, int port) {
        return new ApiServerOptions(etcdServers, bind, port, dataDir, serviceClusterIpRange, nodePortMin, nodePortMax,
                tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds, httpServers,
                etcd, access, limits);
    }

    /** How many HTTP server instances, each on its own event loop, share the port; 0 means one per CPU core. */
    public ApiServerOptions withHttpServers(int count) {
        return new ApiServerOptions(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin,
                nodePortMax, tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds,
                count, etcd, access, limits);
    }

    /** How the apiserver reaches etcd (TLS, deadlines, compaction). */
    public ApiServerOptions withEtcd(EtcdOptions etcd) {
        return new ApiServerOptions(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin,
                nodePortMax, tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds,
                httpServers, etcd, access, limits);
    }

    public ApiServerOptions withTokenAuthFile(Path file) {
        return new ApiServerOptions(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin,
                nodePortMax, file, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds,
                httpServers, etcd, access, limits);
    }

    /** Authorization modes and admission plugins. */
    public ApiServerOptions withAccess(Access access) {
        return new ApiServerOptions(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin,
                nodePortMax, tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds,
                httpServers, etcd, access, limits);
    }

    /** Request and connection limits (--request-timeout, --max-requests-inflight, connection timeouts...). */
    public ApiServerOptions withLimits(ServingLimits servingLimits) {
        return new ApiServerOptions(etcdServers, bindAddress, securePort, dataDir, serviceClusterIpRange, nodePortMin,
                nodePortMax, tokenAuthFile, advertiseAddress, notReadyTolerationSeconds, unreachableTolerationSeconds,
                httpServers, etcd, access, servingLimits);
    }
}
