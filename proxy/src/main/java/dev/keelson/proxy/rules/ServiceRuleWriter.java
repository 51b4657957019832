package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Computes the whole desired rule set from the service ports of the cluster, the way kube-proxy's iptables
 * proxier does: KEELSON-SERVICES dispatches cluster IPs (and, last, node-local destinations to
 * KEELSON-NODEPORTS), one KEELSON-SVC chain per service port balances over one KEELSON-SEP chain per endpoint,
 * KEELSON-EXT chains carry the external traffic policy, and packets marked 0x4000 are masqueraded.
 * Same input, same text; the rules of a service port equal to one of the previous call are reused rather than
 * written again, which makes a sync where few services changed cheap. Not thread-safe.
 */
public final class ServiceRuleWriter {
    public static final String MARK = "0x4000";
    public static final String MASQ_MARK = MARK + "/" + MARK;

    private static final Map<Integer, String> PROBABILITIES = new ConcurrentHashMap<>();

    private final String nodeName;
    private final String clusterCidr;
    private Map<ServicePortInfo, Fragment> previous = Map.of();

    /** The rules one service port contributes to each part of the rule set. */
    private record Fragment(List<String> chains, List<String> services, List<String> chainRules,
                            List<String> nodePorts, List<String> filter) {
        Fragment() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    public ServiceRuleWriter(String nodeName, String clusterCidr) {
        this.nodeName = nodeName;
        this.clusterCidr = clusterCidr;
    }

    public RuleSet write(List<ServicePortInfo> servicePorts) {
        // chain -> the service it belongs to, "" for the dispatch chains; in declaration order
        Map<String, String> natChains = new LinkedHashMap<>();
        for (String dispatch : List.of(ChainNames.SERVICES, ChainNames.NODEPORTS, ChainNames.POSTROUTING,
                ChainNames.MARK_MASQ)) {
            natChains.put(dispatch, "");
        }
        List<String> nat = new ArrayList<>();
        List<String> nodePortRules = new ArrayList<>();
        List<String> serviceChainRules = new ArrayList<>();
        List<String> filter = new ArrayList<>();

        nat.add("-A " + ChainNames.POSTROUTING + " -m mark --mark " + MASQ_MARK
                + " -m comment --comment \"keelson service traffic requiring SNAT\" -j MASQUERADE --random-fully");
        nat.add("-A " + ChainNames.POSTROUTING + " -s " + clusterCidr + " -d " + clusterCidr
                + " -m comment --comment \"pod-to-pod traffic keeps its source address\" -j ACCEPT");
        nat.add("-A " + ChainNames.MARK_MASQ + " -j MARK --or-mark " + MARK);

        Map<ServicePortInfo, Fragment> current = new HashMap<>();
        for (ServicePortInfo sp : servicePorts) {
            Fragment f = previous.get(sp);
            if (f == null) {
                f = new Fragment();
                writeServicePort(sp, f);
            }
            current.put(sp, f);
            String owner = sp.namespace() + "/" + sp.name();
            for (String chain : f.chains()) {
                natChains.put(chain, owner);
            }
            nat.addAll(f.services());
            serviceChainRules.addAll(f.chainRules());
            nodePortRules.addAll(f.nodePorts());
            filter.addAll(f.filter());
        }
        previous = current;
        nat.add("-A " + ChainNames.SERVICES + " -m comment --comment \"keelson service nodeports; must be last\""
                + " -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j " + ChainNames.NODEPORTS);
        nat.addAll(nodePortRules);
        nat.addAll(serviceChainRules);

        filter.add("-A " + ChainNames.FORWARD + " -m mark --mark " + MASQ_MARK
                + " -m comment --comment \"keelson forwarding of service traffic\" -j ACCEPT");
        filter.add("-A " + ChainNames.FORWARD + " -s " + clusterCidr
                + " -m comment --comment \"keelson pod traffic out\" -j ACCEPT");
        filter.add("-A " + ChainNames.FORWARD + " -d " + clusterCidr
                + " -m comment --comment \"keelson pod traffic in\" -j ACCEPT");
        Map<String, String> chainServices = new HashMap<>();
        natChains.forEach((chain, service) -> {
            if (!service.isEmpty()) {
                chainServices.put(chain, service);
            }
        });
        return new RuleSet(List.copyOf(natChains.keySet()), nat, List.of(ChainNames.SERVICES, ChainNames.FORWARD),
                filter, chainServices);
    }

    private void writeServicePort(ServicePortInfo sp, Fragment f) {
        List<String> services = f.services();
        List<String> chains = f.chainRules();
        List<String> nodePorts = f.nodePorts();
        List<String> filter = f.filter();
        String proto = sp.protocol().toLowerCase(Locale.ROOT);
        String name = sp.displayName();
        String clusterMatch = " -d " + sp.clusterIp() + "/32 -p " + proto + " -m " + proto + " --dport " + sp.port();
        String nodePortMatch = " -m addrtype --dst-type LOCAL -p " + proto + " -m " + proto + " --dport "
                + sp.nodePort();
        List<Endpoint> all = sp.endpoints();
        List<Endpoint> local = sp.localEndpoints(nodeName);

        if (all.isEmpty()) {
            filter.add("-A " + ChainNames.SERVICES + " -m comment --comment \"" + name + " has no endpoints\""
                    + clusterMatch + " -j REJECT --reject-with icmp-port-unreachable");
            if (sp.nodePort() > 0) {
                filter.add("-A " + ChainNames.SERVICES + " -m comment --comment \"" + name + " has no endpoints\""
                        + nodePortMatch + " -j REJECT --reject-with icmp-port-unreachable");
            }
            return;
        }

        String svc = ChainNames.service(sp);
        String svl = ChainNames.serviceLocal(sp);
        boolean needLocal = (sp.internalPolicyLocal() || sp.externalPolicyLocal()) && !local.isEmpty();
        String clusterChain = sp.internalPolicyLocal() ? svl : svc;

        String masqOffCluster = " -m comment --comment \"" + name + " cluster IP\" ! -s " + clusterCidr
                + clusterMatch + " -j " + ChainNames.MARK_MASQ;
        f.chains().add(svc);
        if (clusterChain.equals(svc)) {
            chains.add("-A " + svc + masqOffCluster);
        }
        chains.addAll(balance(sp, svc, all));
        if (needLocal) {
            f.chains().add(svl);
            if (clusterChain.equals(svl)) {
                chains.add("-A " + svl + masqOffCluster);
            }
            chains.addAll(balance(sp, svl, local));
        }

        if (sp.internalPolicyLocal() && local.isEmpty()) {
            filter.add("-A " + ChainNames.SERVICES + " -m comment --comment \"" + name
                    + " has no local endpoints\"" + clusterMatch + " -j DROP");
        } else {
            services.add("-A " + ChainNames.SERVICES + " -m comment --comment \"" + name + " cluster IP\""
                    + clusterMatch + " -j " + clusterChain);
        }

        if (sp.nodePort() > 0) {
            String ext = ChainNames.external(sp);
            f.chains().add(ext);
            nodePorts.add("-A " + ChainNames.NODEPORTS + " -m comment --comment \"" + name + "\" -p " + proto
                    + " -m " + proto + " --dport " + sp.nodePort() + " -j " + ext);
            if (sp.externalPolicyLocal()) {
                chains.add("-A " + ext + " -m comment --comment \"pod traffic for " + name
                        + " external destinations\" -s " + clusterCidr + " -j " + svc);
                chains.add("-A " + ext + " -m comment --comment \"masquerade LOCAL traffic for " + name
                        + " external destinations\" -m addrtype --src-type LOCAL -j " + ChainNames.MARK_MASQ);
                chains.add("-A " + ext + " -m comment --comment \"route LOCAL traffic for " + name
                        + " external destinations\" -m addrtype --src-type LOCAL -j " + svc);
                if (local.isEmpty()) {
                    filter.add("-A " + ChainNames.SERVICES + " -m comment --comment \"" + name
                            + " has no local endpoints\"" + nodePortMatch + " -j DROP");
                } else {
                    chains.add("-A " + ext + " -j " + svl);
                }
            } else {
                chains.add("-A " + ext + " -m comment --comment \"masquerade traffic for " + name
                        + " external destinations\" -j " + ChainNames.MARK_MASQ);
                chains.add("-A " + ext + " -j " + svc);
            }
        }

        for (Endpoint ep : all) {
            String sep = ChainNames.endpoint(sp, ep);
            f.chains().add(sep);
            chains.add("-A " + sep + " -m comment --comment \"" + name + "\" -s " + ep.ip() + "/32 -j "
                    + ChainNames.MARK_MASQ);
            String affinity = sp.affinityTimeoutSeconds() > 0
                    ? " -m recent --name " + sep + " --mask 255.255.255.255 --set" : "";
            chains.add("-A " + sep + " -m comment --comment \"" + name + "\"" + affinity + " -p " + proto + " -m "
                    + proto + " -j DNAT --to-destination " + ep.hostPort());
        }
    }

    /**
     * Spreads new connections evenly: the i-th of n endpoints (from 0) is taken with probability 1/(n-i), so
     * each ends up with 1/n. With ClientIP affinity, a client seen recently returns to its endpoint first.
     */
    private List<String> balance(ServicePortInfo sp, String chain, List<Endpoint> endpoints) {
        List<String> rules = new ArrayList<>();
        String name = sp.displayName();
        if (sp.affinityTimeoutSeconds() > 0) {
            for (Endpoint ep : endpoints) {
                String sep = ChainNames.endpoint(sp, ep);
                rules.add("-A " + chain + " -m comment --comment \"" + name + " -> " + ep.hostPort() + "\""
                        + " -m recent --name " + sep + " --mask 255.255.255.255 --rcheck --seconds "
                        + sp.affinityTimeoutSeconds() + " --reap -j " + sep);
            }
        }
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint ep = endpoints.get(i);
            String comment = " -m comment --comment \"" + name + " -> " + ep.hostPort() + "\"";
            String sep = ChainNames.endpoint(sp, ep);
            if (i < n - 1) {
                rules.add("-A " + chain + comment + " -m statistic --mode random --probability "
                        + probability(n - i) + " -j " + sep);
            } else {
                rules.add("-A " + chain + comment + " -j " + sep);
            }
        }
        return rules;
    }

    /**
     * 1/remaining with ten decimals: iptables keeps 31 bits of it, so more digits would change nothing. Kept once
     * computed: String.format was most of the time of writing 1,000 services.
     */
    static String probability(int remaining) {
        return PROBABILITIES.computeIfAbsent(remaining, n -> String.format(Locale.ROOT, "%.10f", 1.0 / n));
    }
}
