package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Conntrack entries to delete after a sync: UDP traffic to a service IP (or to a node port, when nodePort > 0)
 * that was NATed to an endpoint no longer among the service port's endpoints.
 */
public record StaleUdpFlow(String serviceIp, int nodePort, String endpointIp) {

    public static List<StaleUdpFlow> between(List<ServicePortInfo> before, List<ServicePortInfo> after) {
        Map<String, ServicePortInfo> now = new HashMap<>();
        for (ServicePortInfo sp : after) {
            now.put(sp.displayName() + "/" + sp.protocol(), sp);
        }
        List<StaleUdpFlow> stale = new ArrayList<>();
        for (ServicePortInfo old : before) {
            if (!old.protocol().equals("UDP")) {
                continue;
            }
            ServicePortInfo current = now.get(old.displayName() + "/" + old.protocol());
            Set<String> remaining = new HashSet<>();
            if (current != null && current.clusterIp().equals(old.clusterIp())) {
                current.endpoints().forEach(e -> remaining.add(e.ip()));
            }
            for (Endpoint ep : old.endpoints()) {
                if (remaining.contains(ep.ip())) {
                    continue;
                }
                stale.add(new StaleUdpFlow(old.clusterIp(), 0, ep.ip()));
                if (old.nodePort() > 0) {
                    stale.add(new StaleUdpFlow(old.clusterIp(), old.nodePort(), ep.ip()));
                }
            }
        }
        return stale;
    }
}
