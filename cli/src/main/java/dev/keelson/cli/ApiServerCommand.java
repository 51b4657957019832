package dev.keelson.cli;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.componentbase.VertxHolder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `keelson apiserver`: the API server alone, on an existing etcd. */
@Command(name = "apiserver", mixinStandardHelpOptions = true,
        description = "Run the Keelson API server (Kubernetes API over HTTPS) on an etcd cluster.")
public final class ApiServerCommand implements Callable<Integer> {
    @Option(names = "--etcd-servers", required = true, split = ",", description = "etcd client URLs, comma-separated.")
    List<String> etcdServers;

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

    ApiServerOptions options(List<String> etcd) {
        String[] range = nodePortRange.split("-");
        if (range.length != 2) {
            throw new IllegalArgumentException("--service-node-port-range must look like 30000-32767");
        }
        return new ApiServerOptions(etcd, bindAddress, securePort, dataDir, serviceRange, Integer.parseInt(range[0]),
                Integer.parseInt(range[1]), tokenAuthFile, advertiseAddress, notReadySeconds, unreachableSeconds);
    }

    @Override
    public Integer call() throws Exception {
        ApiServer server = new ApiServer(VertxHolder.get(), options(etcdServers));
        server.start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
