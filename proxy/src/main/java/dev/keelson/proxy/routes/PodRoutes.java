package dev.keelson.proxy.routes;

import dev.keelson.proxy.system.CommandRunner;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-gw pod networking: every other node's podCIDR is routed via that node's InternalIP. Routes carry the
 * proxy's own routing protocol number, so the proxy can find (and on cleanup remove) exactly the routes it made.
 */
public final class PodRoutes {
    /** Routing protocol id of the routes the proxy installs (unassigned in /etc/iproute2/rt_protos). */
    public static final String PROTO = "213";
    private static final Logger log = LoggerFactory.getLogger(PodRoutes.class);
    private final CommandRunner runner;

    public PodRoutes(CommandRunner runner) {
        this.runner = runner;
    }

    /** podCIDR -> gateway for every other node that has both; pure. */
    public static Map<String, String> desired(Collection<Node> nodes, String ownNodeName) {
        Map<String, String> routes = new TreeMap<>();
        for (Node node : nodes) {
            if (node.getMetadata() == null || ownNodeName.equals(node.getMetadata().getName())
                    || node.getSpec() == null || node.getSpec().getPodCIDR() == null
                    || node.getSpec().getPodCIDR().contains(":") || node.getStatus() == null
                    || node.getStatus().getAddresses() == null) {
                continue;
            }
            node.getStatus().getAddresses().stream()
                    .filter(a -> "InternalIP".equals(a.getType()) && a.getAddress() != null
                            && !a.getAddress().contains(":"))
                    .map(NodeAddress::getAddress)
                    .findFirst()
                    .ifPresent(ip -> routes.put(node.getSpec().getPodCIDR(), ip));
        }
        return routes;
    }

    /** Our routes as the kernel has them now: destination -> gateway. */
    public Map<String, String> current() {
        String out = runner.run(List.of("ip", "-4", "route", "show", "proto", PROTO)).orThrow().stdout();
        return parse(out);
    }

    static Map<String, String> parse(String ipRouteOutput) {
        Map<String, String> routes = new TreeMap<>();
        for (String line : ipRouteOutput.split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (int i = 1; i + 1 < words.length; i++) {
                if (words[i].equals("via")) {
                    routes.put(words[0], words[i + 1]);
                }
            }
        }
        return routes;
    }

    /** Brings the kernel's routes in line with {@code desired}; returns the problems met, empty when all done. */
    public List<String> sync(Map<String, String> desired) {
        List<String> problems = new ArrayList<>();
        Map<String, String> current = current();
        for (Map.Entry<String, String> route : desired.entrySet()) {
            if (route.getValue().equals(current.get(route.getKey()))) {
                continue;
            }
            CommandRunner.Result result = runner.run(List.of("ip", "route", "replace", route.getKey(), "via",
                    route.getValue(), "proto", PROTO));
            if (result.ok()) {
                log.info("pod route {} via {}", route.getKey(), route.getValue());
            } else {
                problems.add("route " + route.getKey() + " via " + route.getValue() + ": " + result.stderr().strip());
            }
        }
        for (String destination : current.keySet()) {
            if (!desired.containsKey(destination)) {
                removeRoute(destination, problems);
            }
        }
        return problems;
    }

    /** Removes every route the proxy made, and no other. */
    public List<String> removeAll() {
        List<String> problems = new ArrayList<>();
        for (String destination : current().keySet()) {
            removeRoute(destination, problems);
        }
        return problems;
    }

    private void removeRoute(String destination, List<String> problems) {
        CommandRunner.Result result = runner.run(List.of("ip", "route", "del", destination, "proto", PROTO));
        if (result.ok()) {
            log.info("removed pod route {}", destination);
        } else {
            problems.add("remove route " + destination + ": " + result.stderr().strip());
        }
    }
}
