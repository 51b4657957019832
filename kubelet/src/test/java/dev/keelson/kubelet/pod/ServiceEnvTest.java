package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The service variables as Kubernetes' envvars_test and kubelet_pods_test expect them. */
class ServiceEnvTest {
    static Service service(String ns, String name, String ip, ServicePortBuilder... ports) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withClusterIP(ip).endSpec();
        for (ServicePortBuilder p : ports) {
            b.editSpec().addToPorts(p.build()).endSpec();
        }
        return b.build();
    }

    static ServicePortBuilder port(String name, int port, String protocol) {
        return new ServicePortBuilder().withName(name).withPort(port).withProtocol(protocol);
    }

    final Service kubernetes = service("default", "kubernetes", "10.96.0.1", port("https", 443, "TCP"));
    final Service web = service("shop", "web-front", "10.96.0.20", port("", 80, null), port("metrics", 9090, "TCP"),
            port("dns", 53, "UDP"));
    final Service headless = service("shop", "db", "None", port("", 5432, "TCP"));
    final Service elsewhere = service("other", "api", "10.96.0.30", port("", 8080, "TCP"));

    @Test
    void theKubernetesServiceOfDefaultAndEveryServiceOfTheNamespaceAsDockerLinks() {
        Map<String, String> env = new TreeMap<>(ServiceEnv.of(List.of(kubernetes, web, headless, elsewhere), "shop",
                true));
        Map<String, String> want = new TreeMap<>(Map.ofEntries(
                Map.entry("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                Map.entry("KUBERNETES_SERVICE_PORT", "443"),
                Map.entry("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
                Map.entry("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
                Map.entry("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
                Map.entry("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
                Map.entry("KUBERNETES_PORT_443_TCP_PORT", "443"),
                Map.entry("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
                Map.entry("WEB_FRONT_SERVICE_HOST", "10.96.0.20"),
                Map.entry("WEB_FRONT_SERVICE_PORT", "80"),
                Map.entry("WEB_FRONT_SERVICE_PORT_METRICS", "9090"),
                Map.entry("WEB_FRONT_SERVICE_PORT_DNS", "53"),
                Map.entry("WEB_FRONT_PORT", "tcp://10.96.0.20:80"),
                Map.entry("WEB_FRONT_PORT_80_TCP", "tcp://10.96.0.20:80"),
                Map.entry("WEB_FRONT_PORT_80_TCP_PROTO", "tcp"),
                Map.entry("WEB_FRONT_PORT_80_TCP_PORT", "80"),
                Map.entry("WEB_FRONT_PORT_80_TCP_ADDR", "10.96.0.20"),
                Map.entry("WEB_FRONT_PORT_9090_TCP", "tcp://10.96.0.20:9090"),
                Map.entry("WEB_FRONT_PORT_9090_TCP_PROTO", "tcp"),
                Map.entry("WEB_FRONT_PORT_9090_TCP_PORT", "9090"),
                Map.entry("WEB_FRONT_PORT_9090_TCP_ADDR", "10.96.0.20"),
                Map.entry("WEB_FRONT_PORT_53_UDP", "udp://10.96.0.20:53"),
                Map.entry("WEB_FRONT_PORT_53_UDP_PROTO", "udp"),
                Map.entry("WEB_FRONT_PORT_53_UDP_PORT", "53"),
                Map.entry("WEB_FRONT_PORT_53_UDP_ADDR", "10.96.0.20")));
        assertEquals(want, env);
    }

    @Test
    void withoutServiceLinksOnlyTheKubernetesServiceRemains() {
        Map<String, String> env = ServiceEnv.of(List.of(kubernetes, web), "shop", false);
        assertEquals(8, env.size(), env.toString());
        assertEquals("10.96.0.1", env.get("KUBERNETES_SERVICE_HOST"));
    }

    @Test
    void declaredVariablesWinAndMayReferToServiceVariables() {
        EnvResolver resolver = new EnvResolver(n -> null, n -> null);
        io.fabric8.kubernetes.api.model.Container c = new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName("c").addNewEnv().withName("KUBERNETES_SERVICE_PORT").withValue("8443").endEnv()
                .addNewEnv().withName("API").withValue("https://$(KUBERNETES_SERVICE_HOST)").endEnv().build();
        io.fabric8.kubernetes.api.model.Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withName("p").withNamespace("shop").endMetadata().withNewSpec().endSpec().build();
        Map<String, String> env = resolver.resolve(pod, c, "10.244.0.5", "10.0.0.1",
                ServiceEnv.of(List.of(kubernetes), "shop", true));
        assertEquals("8443", env.get("KUBERNETES_SERVICE_PORT"));
        assertEquals("https://10.96.0.1", env.get("API"));
        assertEquals("tcp://10.96.0.1:443", env.get("KUBERNETES_PORT"));
    }
}
