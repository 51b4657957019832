package dev.keelson.kubelet.pod;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The service environment variables the kubelet gives every container (pkg/kubelet/envvars and
 * kubelet_pods.go getServiceEnvVarMap): {@code KUBERNETES_SERVICE_HOST}/{@code _PORT} and the Docker-link-style
 * variables of the {@code kubernetes} Service of namespace default, always, and those of every Service of the pod's
 * namespace when {@code enableServiceLinks} is not false. Services without a cluster IP (headless) give none.
 */
public final class ServiceEnv {
    private ServiceEnv() {}

    /** {@code services} are those of the pod's namespace and namespace default. */
    public static Map<String, String> of(List<Service> services, String namespace, boolean enableServiceLinks) {
        Map<String, Service> byName = new TreeMap<>();
        for (Service s : services) {
            if (!ipSet(s)) {
                continue;
            }
            String name = s.getMetadata().getName();
            if ("default".equals(s.getMetadata().getNamespace()) && "kubernetes".equals(name)) {
                byName.putIfAbsent(name, s);
            } else if (namespace.equals(s.getMetadata().getNamespace()) && enableServiceLinks) {
                byName.put(name, s);
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Service s : byName.values()) {
            fromService(s, env);
        }
        return env;
    }

    private static boolean ipSet(Service s) {
        String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip) && s.getSpec().getPorts() != null
                && !s.getSpec().getPorts().isEmpty();
    }

    /** envvars.FromServices for one service. */
    static void fromService(Service s, Map<String, String> env) {
        String prefix = name(s.getMetadata().getName());
        String ip = s.getSpec().getClusterIP();
        List<ServicePort> ports = s.getSpec().getPorts();
        env.put(prefix + "_SERVICE_HOST", ip);
        String portVar = prefix + "_SERVICE_PORT";
        env.put(portVar, Integer.toString(ports.get(0).getPort()));
        for (ServicePort p : ports) {
            if (p.getName() != null && !p.getName().isEmpty()) {
                env.put(portVar + "_" + name(p.getName()), Integer.toString(p.getPort()));
            }
        }
        String hostPort = (ip.contains(":") ? "[" + ip + "]" : ip);
        for (int i = 0; i < ports.size(); i++) {
            ServicePort p = ports.get(i);
            String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
            String lower = protocol.toLowerCase(Locale.ROOT);
            String url = lower + "://" + hostPort + ":" + p.getPort();
            if (i == 0) {
                env.put(prefix + "_PORT", url);
            }
            String portPrefix = prefix + "_PORT_" + p.getPort() + "_" + protocol.toUpperCase(Locale.ROOT);
            env.put(portPrefix, url);
            env.put(portPrefix + "_PROTO", lower);
            env.put(portPrefix + "_PORT", Integer.toString(p.getPort()));
            env.put(portPrefix + "_ADDR", ip);
        }
    }

    private static String name(String s) {
        return s.replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
