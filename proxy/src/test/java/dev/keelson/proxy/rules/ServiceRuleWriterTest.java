package dev.keelson.proxy.rules;

import static dev.keelson.proxy.rules.Fixtures.port;
import static dev.keelson.proxy.rules.Fixtures.rules;
import static dev.keelson.proxy.rules.Fixtures.service;
import static dev.keelson.proxy.rules.Fixtures.slice;
import static dev.keelson.proxy.rules.Fixtures.slicePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServiceRuleWriterTest {
    private static final Pattern JUMP = Pattern.compile(" -j (KEELSON-[A-Z0-9-]+)");

    private static List<String> chainRules(List<String> rules, String chain) {
        return rules.stream().filter(r -> r.startsWith("-A " + chain + " ")).toList();
    }

    private static String target(String rule) {
        Matcher m = JUMP.matcher(rule);
        assertTrue(m.find(), "no KEELSON jump in " + rule);
        return m.group(1);
    }

    /** The chain KEELSON-SERVICES sends this cluster IP:port to. */
    private static String serviceChain(RuleSet set, String ipPort) {
        String[] p = ipPort.split(":");
        List<String> hits = chainRules(set.natRules(), "KEELSON-SERVICES").stream()
                .filter(r -> r.contains("-d " + p[0] + "/32 ") && r.contains("--dport " + p[1] + " ")).toList();
        assertEquals(1, hits.size(), "rules for " + ipPort + ": " + hits);
        return target(hits.get(0));
    }

    /** For each balancing rule of a SVC chain, in order: the DNAT destination of the SEP it jumps to. */
    private static List<String> destinations(RuleSet set, String svcChain) {
        return chainRules(set.natRules(), svcChain).stream()
                .filter(r -> !r.contains("KEELSON-MARK-MASQ") && !r.contains("--rcheck"))
                .map(r -> dnatOf(set, target(r))).toList();
    }

    private static String dnatOf(RuleSet set, String sepChain) {
        return chainRules(set.natRules(), sepChain).stream().filter(r -> r.contains("-j DNAT"))
                .map(r -> r.substring(r.indexOf("--to-destination ") + 17)).findFirst().orElseThrow();
    }

    @Test
    void clusterIpSpreadsOverEndpointsWithExactProbabilities() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)),
                        "10.244.1.3", "10.244.1.2", "10.244.2.7")));

        String svc = serviceChain(set, "10.96.0.10:80");
        assertTrue(svc.startsWith("KEELSON-SVC-"));
        List<String> balancing = chainRules(set.natRules(), svc).stream()
                .filter(r -> !r.contains("KEELSON-MARK-MASQ")).toList();
        assertEquals(3, balancing.size());
        assertTrue(balancing.get(0).contains("-m statistic --mode random --probability 0.3333333333 "));
        assertTrue(balancing.get(1).contains("-m statistic --mode random --probability 0.5000000000 "));
        assertFalse(balancing.get(2).contains("statistic"));
        assertEquals(List.of("10.244.1.2:8080", "10.244.1.3:8080", "10.244.2.7:8080"), destinations(set, svc));
        assertTrue(chainRules(set.natRules(), target(balancing.get(0))).stream()
                .anyMatch(r -> r.endsWith("-p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080")));
    }

    @Test
    void probabilitiesAreOneOverRemainingForAnyCount() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("", "TCP", 80, 80)).build()),
                List.of(slice("web", List.of(slicePort("", "TCP", 80)),
                        "10.244.1.1", "10.244.1.2", "10.244.1.3", "10.244.1.4", "10.244.1.5", "10.244.1.6",
                        "10.244.1.7")));
        List<String> probabilities = chainRules(set.natRules(), serviceChain(set, "10.96.0.10:80")).stream()
                .filter(r -> r.contains("--probability"))
                .map(r -> r.replaceAll(".*--probability (\\S+) .*", "$1")).toList();
        assertEquals(List.of("0.1428571429", "0.1666666667", "0.2000000000", "0.2500000000", "0.3333333333",
                "0.5000000000"), probabilities);
    }

    @Test
    void udpServiceMatchesAndTranslatesUdp() {
        RuleSet set = rules(List.of(service("dns", "10.96.0.53", port("dns", "UDP", 53, 5353)).build()),
                List.of(slice("dns", List.of(slicePort("dns", "UDP", 5353)), "10.244.1.9")));
        assertTrue(chainRules(set.natRules(), "KEELSON-SERVICES").stream().anyMatch(r ->
                r.contains("-d 10.96.0.53/32 -p udp -m udp --dport 53 ")));
        String svc = serviceChain(set, "10.96.0.53:53");
        String sep = target(chainRules(set.natRules(), svc).get(1));
        assertTrue(chainRules(set.natRules(), sep).stream()
                .anyMatch(r -> r.endsWith("-p udp -m udp -j DNAT --to-destination 10.244.1.9:5353")));
    }

    @Test
    void everyPortOfAServiceGetsItsOwnChainAndTargetPort() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080),
                        port("https", "TCP", 443, 8443), port("dns", "UDP", 53, 53)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080), slicePort("https", "TCP", 8443),
                        slicePort("dns", "UDP", 53)), "10.244.1.2")));
        String http = serviceChain(set, "10.96.0.10:80");
        String https = serviceChain(set, "10.96.0.10:443");
        String dns = serviceChain(set, "10.96.0.10:53");
        assertNotEquals(http, https);
        assertNotEquals(http, dns);
        assertEquals(List.of("10.244.1.2:8080"), destinations(set, http));
        assertEquals(List.of("10.244.1.2:8443"), destinations(set, https));
        assertEquals(List.of("10.244.1.2:53"), destinations(set, dns));
    }

    @Test
    void namedTargetPortIsResolvedFromTheSlicePortOfTheSameName() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, "web-port")).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 9376)), "10.244.1.2", "10.244.1.3")));
        assertEquals(List.of("10.244.1.2:9376", "10.244.1.3:9376"),
                destinations(set, serviceChain(set, "10.96.0.10:80")));
    }

    @Test
    void endpointsFromSeveralSlicesAreMergedAndNotReadyOnesLeftOut() {
        var ports = List.of(slicePort("http", "TCP", 8080));
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080)).build()),
                List.of(slice("web", ports, "10.244.1.2", "10.244.1.4!"), slice("web", ports, "10.244.2.2"),
                        slice("other", ports, "10.244.9.9")));
        assertEquals(List.of("10.244.1.2:8080", "10.244.2.2:8080"),
                destinations(set, serviceChain(set, "10.96.0.10:80")));
    }

    @Test
    void clientIpAffinityChecksRecentListBeforeBalancingAndRecordsOnDnat() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withSessionAffinity("ClientIP").withNewSessionAffinityConfig().withNewClientIP()
                        .withTimeoutSeconds(600).endClientIP().endSessionAffinityConfig().endSpec().build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2", "10.244.1.3")));
        String svc = serviceChain(set, "10.96.0.10:80");
        List<String> rules = chainRules(set.natRules(), svc);
        List<String> sticky = rules.stream().filter(r -> r.contains("--rcheck")).toList();
        assertEquals(2, sticky.size());
        for (String rule : sticky) {
            String sep = target(rule);
            assertTrue(rule.contains("-m recent --name " + sep + " --mask 255.255.255.255 --rcheck --seconds 600 --reap"));
            assertTrue(rules.indexOf(rule) < rules.indexOf(rules.stream().filter(r -> r.contains("statistic"))
                    .findFirst().orElseThrow()), "affinity must be checked before the random choice");
            assertTrue(chainRules(set.natRules(), sep).stream().anyMatch(r -> r.contains(
                    "-m recent --name " + sep + " --mask 255.255.255.255 --set -p tcp -m tcp -j DNAT")));
        }
    }

    @Test
    void clientIpAffinityDefaultsToThreeHours() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withSessionAffinity("ClientIP").endSpec().build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2")));
        assertTrue(chainRules(set.natRules(), serviceChain(set, "10.96.0.10:80")).stream()
                .anyMatch(r -> r.contains("--rcheck --seconds 10800 --reap")));
    }

    @Test
    void serviceWithoutReadyEndpointsIsRejectedInTheFilterTable() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withType("NodePort").editFirstPort().withNodePort(30080).endPort().endSpec()
                        .build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2!")));
        assertEquals(List.of(
                "-A KEELSON-SERVICES -m comment --comment \"default/web:http has no endpoints\" -d 10.96.0.10/32"
                        + " -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable",
                "-A KEELSON-SERVICES -m comment --comment \"default/web:http has no endpoints\" -m addrtype"
                        + " --dst-type LOCAL -p tcp -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable"),
                chainRules(set.filterRules(), "KEELSON-SERVICES"));
        assertTrue(set.natRules().stream().noneMatch(r -> r.contains("10.96.0.10") || r.contains("30080")));
        assertTrue(set.natChains().stream().noneMatch(c -> c.startsWith("KEELSON-SVC-")));
    }

    @Test
    void offClusterSourcesAndHairpinTrafficAreMarkedForMasquerade() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2")));
        String svc = serviceChain(set, "10.96.0.10:80");
        List<String> svcRules = chainRules(set.natRules(), svc);
        assertTrue(svcRules.get(0).contains(" ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KEELSON-MARK-MASQ"));
        String sep = target(svcRules.get(1));
        assertTrue(chainRules(set.natRules(), sep).get(0).endsWith("-s 10.244.1.2/32 -j KEELSON-MARK-MASQ"));
        assertEquals(List.of("-A KEELSON-MARK-MASQ -j MARK --or-mark 0x4000"),
                chainRules(set.natRules(), "KEELSON-MARK-MASQ"));
        List<String> post = chainRules(set.natRules(), "KEELSON-POSTROUTING");
        assertTrue(post.get(0).contains("-m mark --mark 0x4000/0x4000") && post.get(0).endsWith("-j MASQUERADE --random-fully"));
        assertTrue(post.get(1).contains("-s 10.244.0.0/16 -d 10.244.0.0/16") && post.get(1).endsWith("-j ACCEPT"),
                "pod-to-pod traffic must leave POSTROUTING before any other masquerade: " + post);
        long masqRules = set.natRules().stream().filter(r -> r.contains("-j KEELSON-MARK-MASQ")).count();
        assertEquals(2, masqRules, "nothing else may masquerade: " + set.natRules());
    }

    @Test
    void nodePortWithClusterPolicyMasqueradesAndUsesAllEndpoints() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withType("NodePort").editFirstPort().withNodePort(30080).endPort().endSpec()
                        .build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2@node-a", "10.244.2.2")));
        List<String> services = chainRules(set.natRules(), "KEELSON-SERVICES");
        assertEquals("-A KEELSON-SERVICES -m comment --comment \"keelson service nodeports; must be last\""
                + " -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KEELSON-NODEPORTS", services.get(services.size() - 1));
        List<String> nodePorts = chainRules(set.natRules(), "KEELSON-NODEPORTS");
        assertEquals(1, nodePorts.size());
        assertTrue(nodePorts.get(0).contains("-p tcp -m tcp --dport 30080 "));
        String ext = target(nodePorts.get(0));
        assertTrue(ext.startsWith("KEELSON-EXT-"));
        List<String> extRules = chainRules(set.natRules(), ext);
        assertEquals(2, extRules.size());
        assertTrue(extRules.get(0).endsWith("-j KEELSON-MARK-MASQ"));
        assertEquals(serviceChain(set, "10.96.0.10:80"), target(extRules.get(1)));
    }

    @Test
    void nodePortWithLocalPolicyKeepsExternalTrafficOnLocalEndpoints() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withType("NodePort").withExternalTrafficPolicy("Local").editFirstPort()
                        .withNodePort(30080).endPort().endSpec().build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2@node-a", "10.244.2.2")));
        String ext = target(chainRules(set.natRules(), "KEELSON-NODEPORTS").get(0));
        List<String> extRules = chainRules(set.natRules(), ext);
        String svc = serviceChain(set, "10.96.0.10:80");
        assertTrue(extRules.get(0).contains("-s 10.244.0.0/16 -j " + svc), "pods use every endpoint: " + extRules);
        assertTrue(extRules.get(1).contains("-m addrtype --src-type LOCAL -j KEELSON-MARK-MASQ"));
        assertTrue(extRules.get(2).contains("-m addrtype --src-type LOCAL -j " + svc));
        String svl = target(extRules.get(3));
        assertTrue(svl.startsWith("KEELSON-SVL-"));
        assertEquals(List.of("10.244.1.2:8080"), destinations(set, svl));
        assertEquals(List.of("10.244.1.2:8080", "10.244.2.2:8080"), destinations(set, svc));
        assertTrue(extRules.stream().noneMatch(r -> r.endsWith("-j KEELSON-MARK-MASQ") && !r.contains("src-type LOCAL")),
                "external clients keep their source address with Local policy");
    }

    @Test
    void nodePortWithLocalPolicyAndNoLocalEndpointDropsExternalTraffic() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080))
                        .editSpec().withType("NodePort").withExternalTrafficPolicy("Local").editFirstPort()
                        .withNodePort(30080).endPort().endSpec().build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.2.2@node-b")));
        String ext = target(chainRules(set.natRules(), "KEELSON-NODEPORTS").get(0));
        assertTrue(chainRules(set.natRules(), ext).stream().noneMatch(r -> r.contains("KEELSON-SVL-")));
        assertTrue(set.filterRules().contains("-A KEELSON-SERVICES -m comment --comment \"default/web:http has no"
                + " local endpoints\" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -j DROP"));
    }

    @Test
    void headlessAndExternalNameServicesGetNoRules() {
        RuleSet set = rules(List.of(service("headless", "None", port("http", "TCP", 80, 80)).build(),
                        service("ext", "", port("http", "TCP", 80, 80)).editSpec().withType("ExternalName")
                                .withExternalName("example.org").endSpec().build()),
                List.of(slice("headless", List.of(slicePort("http", "TCP", 80)), "10.244.1.2")));
        assertTrue(set.natRules().stream().noneMatch(r -> r.contains("default/")));
        assertTrue(set.filterRules().stream().noneMatch(r -> r.contains("default/")));
    }

    @Test
    void chainNamesAreStableAndFitIptablesLimit() {
        var input = List.of(service("a-rather-long-service-name-for-testing", "10.96.0.10",
                port("metrics-endpoint", "TCP", 80, 8080)).build());
        var slices = List.of(slice("a-rather-long-service-name-for-testing",
                List.of(slicePort("metrics-endpoint", "TCP", 8080)), "10.244.1.2", "10.244.1.3"));
        RuleSet first = rules(input, slices);
        RuleSet second = rules(input, slices);
        assertEquals(first, second);
        assertTrue(first.natChains().stream().allMatch(c -> c.length() <= 28), first.natChains().toString());
    }

    @Test
    void restoreTextRewritesOwnChainsAndDeletesStaleOnes() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2")));
        String text = set.restoreText(new TableState(true, Set.of("KEELSON-SVC-0000000000000000", "KEELSON-SERVICES")),
                new TableState(true, Set.of()));
        String nat = text.substring(text.indexOf("*nat"));
        assertTrue(nat.contains(":KEELSON-SERVICES - [0:0]\n"));
        assertTrue(nat.contains(":KEELSON-SVC-0000000000000000 - [0:0]\n"));
        assertTrue(nat.endsWith("-X KEELSON-SVC-0000000000000000\nCOMMIT\n"));
        assertFalse(nat.contains("-X KEELSON-SERVICES"));
        assertTrue(text.startsWith("*filter\n:KEELSON-SERVICES - [0:0]\n:KEELSON-FORWARD - [0:0]\n"));
        assertFalse(text.contains(ChainNames.TABLE_MARK), "tables that existed before are not marked");
    }

    @Test
    void tableThatDidNotExistIsMarkedAsCreatedByTheProxyAndKeepsTheMark() {
        RuleSet set = rules(List.of(service("web", "10.96.0.10", port("http", "TCP", 80, 8080)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2")));
        String first = set.restoreText(TableState.ABSENT, TableState.ABSENT);
        assertTrue(first.startsWith("*filter\n:KEELSON-CREATED-TABLE - [0:0]\n"), first);
        assertTrue(first.contains("*nat\n:KEELSON-CREATED-TABLE - [0:0]\n"), first);
        TableState nat = set.natAfter(TableState.ABSENT);
        assertTrue(nat.chains().contains(ChainNames.TABLE_MARK));
        String next = set.restoreText(nat, set.filterAfter(TableState.ABSENT));
        assertFalse(next.contains(ChainNames.TABLE_MARK), "the mark is neither rewritten nor deleted: " + next);
    }

    @Test
    void partialRestoreTextWritesOnlyTheChangedServicesChainsWhenOnlyEndpointsMoved() {
        var ports = List.of(port("http", "TCP", 80, 8080));
        RuleSet before = rules(List.of(service("web", "10.96.0.10", ports.get(0)).build(),
                        service("api", "10.96.0.11", ports.get(0)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.2"),
                        slice("api", List.of(slicePort("http", "TCP", 8080)), "10.244.1.3")));
        RuleSet after = rules(List.of(service("web", "10.96.0.10", ports.get(0)).build(),
                        service("api", "10.96.0.11", ports.get(0)).build()),
                List.of(slice("web", List.of(slicePort("http", "TCP", 8080)), "10.244.1.4"),
                        slice("api", List.of(slicePort("http", "TCP", 8080)), "10.244.1.3")));
        TableState nat = before.natAfter(new TableState(true, Set.of()));
        TableState filter = before.filterAfter(new TableState(true, Set.of()));
        String text = after.partialRestoreText(nat, filter, Set.of("default/web"));
        String webSvc = serviceChain(after, "10.96.0.10:80");
        String apiSvc = serviceChain(after, "10.96.0.11:80");
        assertFalse(text.contains(":KEELSON-SERVICES ") || text.contains(":KEELSON-NODEPORTS ")
                || text.contains(":KEELSON-FORWARD ") || text.contains("KEELSON-SERVICES -"),
                "no dispatch rule changed, so no dispatch chain is written: " + text);
        assertTrue(text.contains(":" + webSvc + " - [0:0]\n"), text);
        assertFalse(text.contains(":" + apiSvc + " "), "api did not change: " + text);
        assertFalse(text.contains("-A " + apiSvc + " "), text);
        String oldWebSep = target(chainRules(before.natRules(), webSvc).get(1));
        assertTrue(text.contains("-X " + oldWebSep + "\n"), "the removed endpoint's chain is deleted: " + text);

        String unknown = after.partialRestoreText(new TableState(true, nat.chains()), filter, Set.of("default/web"));
        assertTrue(unknown.contains(":KEELSON-SERVICES - [0:0]\n") && unknown.contains(
                "-A KEELSON-SERVICES -m comment --comment \"default/api:http cluster IP\""),
                "a dispatch chain whose rules are not known is rewritten whole: " + unknown);
    }

    @Test
    void partialRestoreTextEditsTheDispatchChainRuleByRuleWhenAServiceComesAndGoes() {
        var port = port("http", "TCP", 80, 8080);
        var slicePorts = List.of(slicePort("http", "TCP", 8080));
        RuleSet before = rules(List.of(service("a", "10.96.0.10", port).build(), service("b", "10.96.0.11", port)
                        .build(), service("c", "10.96.0.12", port).build(), service("d", "10.96.0.13", port).build()),
                List.of(slice("a", slicePorts, "10.244.1.2"), slice("b", slicePorts, "10.244.1.3"),
                        slice("c", slicePorts, "10.244.1.4"), slice("d", slicePorts, "10.244.1.5")));
        RuleSet after = rules(List.of(service("a", "10.96.0.10", port).build(), service("bb", "10.96.0.14", port)
                        .build(), service("c", "10.96.0.12", port).build(), service("d", "10.96.0.13", port).build()),
                List.of(slice("a", slicePorts, "10.244.1.2"), slice("bb", slicePorts, "10.244.1.3"),
                        slice("c", slicePorts, "10.244.1.4"), slice("d", slicePorts, "10.244.1.5")));
        TableState nat = before.natAfter(new TableState(true, Set.of()));
        String text = after.partialRestoreText(nat, before.filterAfter(new TableState(true, Set.of())),
                Set.of("default/b", "default/bb"));

        String bSvc = serviceChain(before, "10.96.0.11:80");
        String bbSvc = serviceChain(after, "10.96.0.14:80");
        assertFalse(text.contains(":KEELSON-SERVICES "), "the dispatch chain is edited, not rewritten: " + text);
        assertTrue(text.contains("\n-D KEELSON-SERVICES -m comment --comment \"default/b:http cluster IP\" -d "
                + "10.96.0.11/32 -p tcp -m tcp --dport 80 -j " + bSvc + "\n"), text);
        assertTrue(text.contains("\n-I KEELSON-SERVICES 2 -m comment --comment \"default/bb:http cluster IP\" -d "
                + "10.96.0.14/32 -p tcp -m tcp --dport 80 -j " + bbSvc + "\n"), "inserted in sorted place: " + text);
        assertTrue(text.indexOf("-D KEELSON-SERVICES") < text.indexOf("-X " + bSvc),
                "the rule leaves before its target chain is deleted: " + text);
        assertTrue(text.indexOf(":" + bbSvc + " ") < text.indexOf("-I KEELSON-SERVICES"),
                "the new rule's target exists when it is inserted: " + text);
    }
}
