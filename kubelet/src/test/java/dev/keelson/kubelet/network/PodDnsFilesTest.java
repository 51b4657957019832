package dev.keelson.kubelet.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resolv.conf and hosts file of a pod, as Kubernetes' kubelet forms them. */
class PodDnsFilesTest {
    @TempDir
    Path dir;
    private final List<String> warnings = new ArrayList<>();

    private PodDnsFiles files(String hostResolvConf) throws Exception {
        Path resolv = dir.resolve("host-resolv.conf");
        Files.writeString(resolv, hostResolvConf);
        return new PodDnsFiles(new DnsSettings("cluster.local", List.of("10.96.0.10"), resolv),
                (pod, message) -> warnings.add(message));
    }

    private static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName("web-7d9f").endMetadata()
                .withNewSpec().addNewContainer().withName("c").endContainer().endSpec();
    }

    @Test
    void clusterFirstSearchesTheNamespaceThenTheClusterThenTheHost() throws Exception {
        PodDnsFiles f = files("nameserver 192.0.2.53\nsearch corp.example. lab\noptions edns0 timeout:2\n");
        assertEquals("search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab\n"
                + "nameserver 10.96.0.10\noptions ndots:5\n", f.resolvConf(pod().build()).render());
    }

    @Test
    void defaultPolicyIsTheHostsConfigurationWithoutItsLoopbackServers() throws Exception {
        PodDnsFiles f = files("nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch lab\noptions edns0 timeout:2\n");
        Pod p = pod().editSpec().withDnsPolicy("Default").endSpec().build();
        assertEquals("search lab\nnameserver 192.0.2.53\noptions edns0 timeout:2\n", f.resolvConf(p).render());
    }

    @Test
    void hostNetworkPodsGetTheHostsResolverUnlessClusterFirstWithHostNet() throws Exception {
        PodDnsFiles f = files("nameserver 127.0.0.53\nsearch lab\n");
        Pod host = pod().editSpec().withHostNetwork(true).endSpec().build();
        assertEquals(List.of("127.0.0.53"), f.resolvConf(host).nameservers());
        Pod withHostNet = pod().editSpec().withHostNetwork(true).withDnsPolicy("ClusterFirstWithHostNet").endSpec().build();
        assertEquals(List.of("10.96.0.10"), f.resolvConf(withHostNet).nameservers());
    }

    @Test
    void noneTakesOnlyDnsConfigAndDnsConfigMergesIntoOthers() throws Exception {
        PodDnsFiles f = files("nameserver 192.0.2.53\n");
        Pod none = pod().editSpec().withDnsPolicy("None").withNewDnsConfig().withNameservers("192.0.2.1")
                .withSearches("my.dns.search.suffix").addNewOption().withName("ndots").withValue("2").endOption()
                .addNewOption().withName("edns0").endOption().endDnsConfig().endSpec().build();
        assertEquals("search my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n",
                f.resolvConf(none).render());
        Pod merged = pod().editSpec().withNewDnsConfig().withNameservers("10.96.0.10", "192.0.2.1")
                .withSearches("svc.cluster.local", "extra").addNewOption().withName("ndots").withValue("1").endOption()
                .endDnsConfig().endSpec().build();
        PodDnsFiles.Config c = f.resolvConf(merged);
        assertEquals(List.of("10.96.0.10", "192.0.2.1"), c.nameservers(), "duplicates are dropped");
        assertEquals(List.of("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "extra"), c.searches());
        assertEquals(List.of("ndots:1"), c.options(), "dnsConfig's option overrides the default one");
    }

    @Test
    void searchAndNameserverLimitsAreKubernetesOnesWithItsWarnings() throws Exception {
        PodDnsFiles f = files("");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add("d" + i + ".example");
        }
        Pod p = pod().editSpec().withDnsPolicy("None").withNewDnsConfig()
                .withNameservers("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4").withSearches(many)
                .endDnsConfig().endSpec().build();
        PodDnsFiles.Config c = f.resolvConf(p);
        assertEquals(3, c.nameservers().size());
        assertEquals(32, c.searches().size());
        assertTrue(warnings.contains("Nameserver limits were exceeded, some nameservers have been omitted, the applied "
                + "nameserver line is: 192.0.2.1 192.0.2.2 192.0.2.3"), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("Search Line limits were exceeded")));
        warnings.clear();
        List<String> longOnes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            longOnes.add("x".repeat(60) + i + "." + "y".repeat(60) + ".example");
        }
        Pod p2 = pod().editSpec().withDnsPolicy("None").withNewDnsConfig().withSearches(longOnes).endDnsConfig()
                .endSpec().build();
        PodDnsFiles.Config c2 = f.resolvConf(p2);
        assertTrue(String.join(" ", c2.searches()).length() <= 2048);
        assertTrue(c2.searches().size() < 20);
        assertEquals(1, warnings.size());
    }

    @Test
    void hostsFileIsKubernetesManagedWithTheFqdnAndHostAliases() throws Exception {
        PodDnsFiles f = files("");
        Pod p = pod().editSpec().withHostname("web-0").withSubdomain("web").addNewHostAlias().withIp("192.0.2.9")
                .withHostnames("foo.local", "bar.local").endHostAlias().endSpec().build();
        assertEquals("# Kubernetes-managed hosts file.\n"
                + "127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\n"
                + "fe00::0\tip6-mcastprefix\n"
                + "fe00::1\tip6-allnodes\n"
                + "fe00::2\tip6-allrouters\n"
                + "10.244.0.5\tweb-0.web.shop.svc.cluster.local\tweb-0\n"
                + "\n# Entries added by HostAliases.\n"
                + "192.0.2.9\tfoo.local\tbar.local\n", f.hostsFile(p, "10.244.0.5"));
        assertTrue(f.hostsFile(pod().build(), "10.244.0.6").endsWith("10.244.0.6\tweb-7d9f\n"));
    }

    @Test
    void setHostnameAsFqdnNamesTheSandboxWithinKubernetesLimit() {
        Pod p = pod().editSpec().withHostname("web-0").withSubdomain("web").withSetHostnameAsFQDN(true).endSpec().build();
        assertEquals("web-0.web.shop.svc.cluster.local", PodDnsFiles.sandboxHostname(p, "cluster.local"));
        assertEquals("web-0", PodDnsFiles.sandboxHostname(
                pod().editSpec().withHostname("web-0").withSubdomain("web").endSpec().build(), "cluster.local"));
        Pod tooLong = pod().editSpec().withHostname("h".repeat(40)).withSubdomain("web").withSetHostnameAsFQDN(true)
                .endSpec().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PodDnsFiles.sandboxHostname(tooLong, "cluster.local"));
        assertTrue(e.getMessage().startsWith("failed to construct FQDN from pod hostname and cluster domain, FQDN "));
    }

    @Test
    void aContainerThatMountsItsOwnFilesKeepsThem() throws Exception {
        PodDnsFiles f = files("");
        Pod p = pod().editSpec().editFirstContainer().addNewVolumeMount().withName("v").withMountPath("/etc/hosts")
                .endVolumeMount().endContainer().endSpec().build();
        List<String> binds = f.mounts(p, p.getSpec().getContainers().get(0), dir.resolve("pod"), "10.244.0.5");
        assertEquals(List.of(dir.resolve("pod/resolv.conf") + ":/etc/resolv.conf"), binds);
        assertTrue(Files.readString(dir.resolve("pod/resolv.conf")).contains("nameserver 10.96.0.10"));
    }
}
