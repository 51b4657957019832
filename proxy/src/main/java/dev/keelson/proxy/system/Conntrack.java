package dev.keelson.proxy.system;

import dev.keelson.proxy.rules.StaleUdpFlow;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes UDP conntrack entries that still point at an endpoint that went away: UDP has no connection to
 * break, so without this a client keeps sending to the dead endpoint for as long as it keeps talking.
 */
public final class Conntrack {
    private static final Logger log = LoggerFactory.getLogger(Conntrack.class);
    private final CommandRunner runner;

    public Conntrack(CommandRunner runner) {
        this.runner = runner;
    }

    public void delete(StaleUdpFlow flow) {
        List<String> args = flow.nodePort() > 0
                ? List.of("conntrack", "-D", "-p", "udp", "--orig-port-dst", Integer.toString(flow.nodePort()),
                        "--dst-nat", flow.endpointIp())
                : List.of("conntrack", "-D", "-p", "udp", "--orig-dst", flow.serviceIp(), "--dst-nat",
                        flow.endpointIp());
        CommandRunner.Result result = runner.run(args);
        // conntrack exits 1 when nothing matched, which is the common case
        if (result.exitCode() > 1) {
            log.warn("cannot delete stale UDP flows {}: {}", flow, result.stderr().strip());
        }
    }
}
