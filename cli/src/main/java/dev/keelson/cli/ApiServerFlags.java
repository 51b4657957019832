package dev.keelson.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The apiserver flags `keelson server` shares with `keelson apiserver`. */
final class ApiServerFlags {
    @Option(names = "--secure-port", defaultValue = "6443", description = "HTTPS port; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int securePort;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "Default: ${DEFAULT-VALUE}.")
    String bindAddress;

    @Option(names = "--data-dir", defaultValue = "/var/lib/keelson", description = "Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--advertise-address", description = "Address the `kubernetes` Service's endpoints point to.")
    String advertiseAddress;

    @Option(names = "--service-cluster-ip-range", defaultValue = "10.96.0.0/12", description = "Default: ${DEFAULT-VALUE}.")
    String serviceRange;

    @Option(names = "--service-node-port-range", defaultValue = "30000-32767", description = "Default: ${DEFAULT-VALUE}.")
    String nodePortRange;

    @Option(names = "--token-auth-file", description = "Static bearer tokens file.")
    Path tokenAuthFile;

    ApiServerCommand toCommand() {
        ApiServerCommand c = new ApiServerCommand();
        c.securePort = securePort;
        c.bindAddress = bindAddress;
        c.dataDir = dataDir;
        c.advertiseAddress = advertiseAddress;
        c.serviceRange = serviceRange;
        c.nodePortRange = nodePortRange;
        c.tokenAuthFile = tokenAuthFile;
        c.notReadySeconds = 300;
        c.unreachableSeconds = 300;
        return c;
    }
}
