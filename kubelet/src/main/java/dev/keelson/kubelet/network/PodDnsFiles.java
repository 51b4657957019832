package dev.keelson.kubelet.network;

import dev.keelson.componentbase.net.ResolvConf;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A pod's /etc/resolv.conf and /etc/hosts, written by the kubelet into the pod's directory and bind-mounted into each
 * of its containers, as Kubernetes' kubelet does ({@code pkg/kubelet/network/dns} and {@code managedHostsFileContent}):
 * dnsPolicy ClusterFirst (the default), ClusterFirstWithHostNet, Default and None, dnsConfig merged in, the search
 * and nameserver limits with the kubelet's DNSConfigForming warnings; hostname, subdomain and hostAliases in the hosts
 * file. This replaces the runtime's own resolver (Docker's 127.0.0.11 on a user network).
 */
public final class PodDnsFiles {
    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCH_PATHS = 32;
    static final int MAX_SEARCH_CHARS = 2048;
    static final String MANAGED_HOSTS_HEADER = "# Kubernetes-managed hosts file.\n";
    static final String MANAGED_HOSTS_HEADER_HOST_NETWORK = "# Kubernetes-managed hosts file (host network).\n";
    static final Path HOST_HOSTS = Path.of("/etc/hosts");

    /** The resolver configuration of a pod, as the kubelet forms it. */
    public record Config(List<String> nameservers, List<String> searches, List<String> options) {
        /** resolv.conf text in the order containerd writes it: search, nameservers, options. */
        public String render() {
            StringBuilder b = new StringBuilder();
            if (!searches.isEmpty()) {
                b.append("search ").append(String.join(" ", searches)).append('\n');
            }
            for (String ns : nameservers) {
                b.append("nameserver ").append(ns).append('\n');
            }
            if (!options.isEmpty()) {
                b.append("options ").append(String.join(" ", options)).append('\n');
            }
            return b.toString();
        }
    }

    private final DnsSettings settings;
    private final BiConsumer<Pod, String> warning;

    /** @param warning receives the kubelet's DNSConfigForming messages (an event on the pod) */
    public PodDnsFiles(DnsSettings settings, BiConsumer<Pod, String> warning) {
        this.settings = settings;
        this.warning = warning;
    }

    /**
     * Writes the pod's files (when changed) under {@code podDir} and returns the binds of this container: /etc/hosts
     * and /etc/resolv.conf, each unless the container mounts a volume there itself.
     */
    public List<String> mounts(Pod pod, Container container, Path podDir, String podIp) {
        List<String> binds = new ArrayList<>();
        try {
            Files.createDirectories(podDir);
            if (!mountsAt(container, "/etc/hosts")) {
                Path hosts = podDir.resolve("etc-hosts");
                writeIfChanged(hosts, hostsFile(pod, podIp));
                binds.add(hosts + ":/etc/hosts");
            }
            if (!mountsAt(container, "/etc/resolv.conf")) {
                Path resolv = podDir.resolve("resolv.conf");
                writeIfChanged(resolv, resolvConf(pod).render());
                binds.add(resolv + ":/etc/resolv.conf");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the pod's DNS files in " + podDir, e);
        }
        return binds;
    }

    private static boolean mountsAt(Container c, String path) {
        if (c.getVolumeMounts() == null) {
            return false;
        }
        for (VolumeMount m : c.getVolumeMounts()) {
            if (path.equals(m.getMountPath())) {
                return true;
            }
        }
        return false;
    }

    private static void writeIfChanged(Path file, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The pod's resolver configuration for its dnsPolicy, with dnsConfig merged and the limits applied. */
    public Config resolvConf(Pod pod) {
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        String policy = pod.getSpec().getDnsPolicy() == null ? "ClusterFirst" : pod.getSpec().getDnsPolicy();
        boolean cluster = switch (policy) {
            case "ClusterFirstWithHostNet" -> true;
            case "ClusterFirst" -> !hostNetwork;
            default -> false;
        };
        if (cluster && settings.clusterDns().isEmpty()) {
            warning.accept(pod, "kubelet does not have ClusterDNS IP configured and cannot create Pod using \""
                    + policy + "\" policy. Falling back to \"Default\" policy.");
            cluster = false;
        }
        List<String> nameservers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        if (!"None".equals(policy)) {
            ResolvConf host = ResolvConf.read(settings.resolvConf());
            List<String> hostSearches = host.searches().stream().map(s -> s.endsWith(".") ? s.substring(0, s.length() - 1) : s)
                    .filter(s -> !s.isEmpty()).toList();
            if (cluster) {
                nameservers.addAll(settings.clusterDns());
                String ns = pod.getMetadata().getNamespace();
                String domain = settings.clusterDomain();
                searches.addAll(List.of(ns + ".svc." + domain, "svc." + domain, domain));
                searches.addAll(hostSearches);
                options.put("ndots", "5");
            } else {
                for (String server : host.nameservers()) {
                    // a pod's own network namespace cannot reach the host's loopback resolver
                    if (hostNetwork || !ResolvConf.isLoopback(server)) {
                        nameservers.add(server);
                    }
                }
                searches.addAll(hostSearches);
                host.options().forEach(o -> putOption(options, o));
            }
        }
        PodDNSConfig extra = pod.getSpec().getDnsConfig();
        if (extra != null) {
            if (extra.getNameservers() != null) {
                nameservers.addAll(extra.getNameservers());
            }
            if (extra.getSearches() != null) {
                searches.addAll(extra.getSearches());
            }
            if (extra.getOptions() != null) {
                for (PodDNSConfigOption o : extra.getOptions()) {
                    if (o.getName() != null) {
                        options.put(o.getName(), o.getValue() == null ? "" : o.getValue());
                    }
                }
            }
        }
        List<String> servers = new ArrayList<>(new LinkedHashSet<>(nameservers));
        if (servers.size() > MAX_NAMESERVERS) {
            servers = new ArrayList<>(servers.subList(0, MAX_NAMESERVERS));
            warning.accept(pod, "Nameserver limits were exceeded, some nameservers have been omitted, the applied "
                    + "nameserver line is: " + String.join(" ", servers));
        }
        List<String> search = fitSearch(pod, new ArrayList<>(new LinkedHashSet<>(searches)));
        List<String> opts = new ArrayList<>();
        options.forEach((k, v) -> opts.add(v.isEmpty() ? k : k + ":" + v));
        return new Config(List.copyOf(servers), List.copyOf(search), List.copyOf(opts));
    }

    private static void putOption(Map<String, String> options, String option) {
        int colon = option.indexOf(':');
        if (colon >= 0) {
            options.put(option.substring(0, colon), option.substring(colon + 1));
        } else {
            options.put(option, "");
        }
    }

    /** Kubernetes' formDNSSearchFitsLimits: at most 32 paths, none over 253 characters, 2048 characters in all. */
    private List<String> fitSearch(Pod pod, List<String> search) {
        boolean exceeded = false;
        if (search.size() > MAX_SEARCH_PATHS) {
            search = new ArrayList<>(search.subList(0, MAX_SEARCH_PATHS));
            exceeded = true;
        }
        int before = search.size();
        search.removeIf(s -> s.length() > 253);
        exceeded |= search.size() != before;
        int length = String.join(" ", search).length();
        if (length > MAX_SEARCH_CHARS) {
            int cut = 0;
            int cutLength = 0;
            for (int i = search.size() - 1; i >= 0; i--) {
                cutLength += search.get(i).length() + 1;
                cut++;
                if (length - cutLength <= MAX_SEARCH_CHARS) {
                    break;
                }
            }
            search = new ArrayList<>(search.subList(0, search.size() - cut));
            exceeded = true;
        }
        if (exceeded) {
            warning.accept(pod, "Search Line limits were exceeded, some search paths have been omitted, the applied "
                    + "search line is: " + String.join(" ", search));
        }
        return search;
    }

    /** The kubelet-managed /etc/hosts: Kubernetes' localhost lines, the pod's own name, then its hostAliases. */
    public String hostsFile(Pod pod, String podIp) throws IOException {
        StringBuilder b = new StringBuilder();
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            b.append(MANAGED_HOSTS_HEADER_HOST_NETWORK);
            if (Files.isRegularFile(HOST_HOSTS)) {
                byte[] host = Files.readAllBytes(HOST_HOSTS);
                b.append(new String(host, 0, Math.min(host.length, 1 << 20), StandardCharsets.UTF_8));
            }
        } else {
            b.append(MANAGED_HOSTS_HEADER)
                    .append("127.0.0.1\tlocalhost\n")
                    .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                    .append("fe00::0\tip6-localnet\n")
                    .append("fe00::0\tip6-mcastprefix\n")
                    .append("fe00::1\tip6-allnodes\n")
                    .append("fe00::2\tip6-allrouters\n");
            String hostname = hostname(pod);
            String domain = hostDomain(pod, settings.clusterDomain());
            if (podIp != null && !podIp.isEmpty()) {
                b.append(podIp).append('\t').append(domain == null ? hostname : hostname + "." + domain + "\t" + hostname)
                        .append('\n');
            }
        }
        List<HostAlias> aliases = pod.getSpec().getHostAliases();
        if (aliases != null && !aliases.isEmpty()) {
            b.append("\n# Entries added by HostAliases.\n");
            for (HostAlias a : aliases) {
                b.append(a.getIp()).append('\t')
                        .append(String.join("\t", a.getHostnames() == null ? List.of() : a.getHostnames())).append('\n');
            }
        }
        return b.toString();
    }

    /** spec.hostname, else the pod's name, cut to 63 characters without a trailing '-' or '.'. */
    public static String hostname(Pod pod) {
        String h = pod.getSpec().getHostname() != null && !pod.getSpec().getHostname().isEmpty()
                ? pod.getSpec().getHostname() : pod.getMetadata().getName();
        if (h.length() > 63) {
            h = h.substring(0, 63).replaceAll("[-.]+$", "");
        }
        return h;
    }

    /** {@code <subdomain>.<namespace>.svc.<cluster domain>} when the pod has a subdomain, else null. */
    public static String hostDomain(Pod pod, String clusterDomain) {
        String sub = pod.getSpec().getSubdomain();
        if (sub == null || sub.isEmpty()) {
            return null;
        }
        return sub + "." + pod.getMetadata().getNamespace() + ".svc." + clusterDomain;
    }

    /**
     * The sandbox's host name: the hostname, or with setHostnameAsFQDN its FQDN (Kubernetes' limit: 64 characters).
     *
     * @throws IllegalArgumentException with the kubelet's message when the FQDN is too long
     */
    public static String sandboxHostname(Pod pod, String clusterDomain) {
        String hostname = hostname(pod);
        String domain = hostDomain(pod, clusterDomain);
        if (!Boolean.TRUE.equals(pod.getSpec().getSetHostnameAsFQDN()) || domain == null) {
            return hostname;
        }
        String fqdn = hostname + "." + domain;
        if (fqdn.length() > 64) {
            throw new IllegalArgumentException("failed to construct FQDN from pod hostname and cluster domain, FQDN "
                    + fqdn + " is too long (64 characters is the max, " + fqdn.length() + " characters requested)");
        }
        return fqdn;
    }
}
