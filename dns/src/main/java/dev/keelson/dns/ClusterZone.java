package dev.keelson.dns;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An immutable snapshot of every record of the cluster domain, built from Services, EndpointSlices and Pods as the
 * "Kubernetes DNS-Based Service Discovery" specification (schema 1.1.0) describes them, plus the PTR records of
 * their addresses. Rebuilt whole on each change: a query then is two hash lookups, with no lock.
 */
public final class ClusterZone {
    /** The schema version the specification asks to publish as {@code dns-version.<zone>} TXT. */
    public static final String SCHEMA_VERSION = "1.1.0";
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** What a lookup found: records, a name with none of the type, no such name, or a name outside the zone. */
    public enum Kind { ANSWER, NODATA, NXDOMAIN, NOT_OURS }

    /** A lookup's result; {@code additional} holds the addresses of SRV targets. */
    public record Lookup(Kind kind, List<Record> answer, List<Record> additional) {
        static final Lookup NOT_OURS = new Lookup(Kind.NOT_OURS, List.of(), List.of());
        static final Lookup NODATA = new Lookup(Kind.NODATA, List.of(), List.of());
        static final Lookup NXDOMAIN = new Lookup(Kind.NXDOMAIN, List.of(), List.of());
    }

    private final Name origin;
    private final long ttl;
    private final SOARecord soa;
    private final Map<Name, Map<Integer, List<Record>>> records;
    private final Set<Name> names;

    private ClusterZone(Name origin, long ttl, SOARecord soa, Map<Name, Map<Integer, List<Record>>> records,
                        Set<Name> names) {
        this.origin = origin;
        this.ttl = ttl;
        this.soa = soa;
        this.records = records;
        this.names = names;
    }

    /** An empty zone (before the caches have synced): only the SOA and the schema version. */
    public static ClusterZone empty(String domain, long ttl) {
        return build(domain, ttl, List.of(), List.of(), List.of());
    }

    public Name origin() {
        return origin;
    }

    /** The zone's SOA, whose minimum is the TTL of negative answers (RFC 2308). */
    public SOARecord soa() {
        return soa;
    }

    /** True for a name of the cluster domain (answered here, never forwarded). */
    public boolean inZone(Name name) {
        return name.subdomain(origin);
    }

    /**
     * The records of {@code qtype} at {@code qname} (class IN). A name that owns a CNAME answers it for every other
     * type, with the target's records when the target is in the zone. Names of the reverse zones are answered only
     * where they hold a PTR; others are {@link Kind#NOT_OURS} so they go upstream.
     */
    public Lookup lookup(Name qname, int qtype) {
        Map<Integer, List<Record>> owned = records.get(qname);
        if (!inZone(qname)) {
            if (owned == null) {
                return Lookup.NOT_OURS;
            }
            List<Record> ptr = qtype == Type.ANY ? flatten(owned) : owned.getOrDefault(qtype, List.of());
            return ptr.isEmpty() ? Lookup.NODATA : new Lookup(Kind.ANSWER, ptr, List.of());
        }
        if (owned == null) {
            return names.contains(qname) ? Lookup.NODATA : Lookup.NXDOMAIN;
        }
        if (qtype == Type.ANY) {
            return new Lookup(Kind.ANSWER, flatten(owned), List.of());
        }
        List<Record> cname = owned.get(Type.CNAME);
        if (cname != null && qtype != Type.CNAME) {
            List<Record> answer = new ArrayList<>(cname);
            Name target = ((CNAMERecord) cname.get(0)).getTarget();
            Map<Integer, List<Record>> targetRecords = records.get(target);
            if (targetRecords != null && targetRecords.get(Type.CNAME) == null) {
                answer.addAll(targetRecords.getOrDefault(qtype, List.of()));
            }
            return new Lookup(Kind.ANSWER, answer, List.of());
        }
        List<Record> answer = owned.get(qtype);
        if (answer == null) {
            return Lookup.NODATA;
        }
        List<Record> additional = new ArrayList<>();
        if (qtype == Type.SRV) {
            Set<Name> seen = new HashSet<>();
            for (Record r : answer) {
                Name target = ((SRVRecord) r).getTarget();
                Map<Integer, List<Record>> t = records.get(target);
                if (t != null && seen.add(target)) {
                    additional.addAll(t.getOrDefault(Type.A, List.of()));
                    additional.addAll(t.getOrDefault(Type.AAAA, List.of()));
                }
            }
        }
        return new Lookup(Kind.ANSWER, answer, additional);
    }

    private static List<Record> flatten(Map<Integer, List<Record>> owned) {
        List<Record> all = new ArrayList<>();
        owned.values().forEach(all::addAll);
        return all;
    }

    /** Builds the zone; objects whose names cannot be DNS names (never valid API objects) are skipped. */
    public static ClusterZone build(String domain, long ttl, Collection<Service> services,
                                    Collection<EndpointSlice> slices, Collection<Pod> pods) {
        Builder b = new Builder(absolute(domain), ttl);
        Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
        for (EndpointSlice slice : slices) {
            Map<String, String> labels = slice.getMetadata() == null ? null : slice.getMetadata().getLabels();
            String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (service != null) {
                slicesByService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + service,
                        k -> new ArrayList<>()).add(slice);
            }
        }
        for (Service svc : services) {
            if (svc.getMetadata() == null || svc.getSpec() == null) {
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            String key = ns + "/" + svc.getMetadata().getName();
            b.service(svc, slicesByService.getOrDefault(key, List.of()));
        }
        for (Pod pod : pods) {
            b.pod(pod);
        }
        return b.finish();
    }

    static Name absolute(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        try {
            return Name.fromString(d.endsWith(".") ? d : d + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS domain: " + domain, e);
        }
    }

    private static final class Builder {
        private final Name origin;
        private final long ttl;
        private final Map<Name, Map<Integer, List<Record>>> records = new HashMap<>();
        private final Set<Name> names = new HashSet<>();
        private final SOARecord soa;

        Builder(Name origin, long ttl) {
            this.origin = origin;
            this.ttl = ttl;
            try {
                // serial: any number; secondaries never transfer this zone
                this.soa = new SOARecord(origin, DClass.IN, ttl, Name.fromString("ns.dns", origin),
                        Name.fromString("hostmaster", origin), 1, 7200, 1800, 86400, ttl);
                add(new TXTRecord(Name.fromString("dns-version", origin), DClass.IN, ttl, SCHEMA_VERSION));
            } catch (TextParseException e) {
                throw new IllegalStateException(e);
            }
            add(soa);
        }

        void service(Service svc, List<EndpointSlice> slices) {
            String ns = svc.getMetadata().getNamespace();
            Name name = name(svc.getMetadata().getName() + "." + ns + ".svc");
            if (name == null) {
                return;
            }
            if ("ExternalName".equals(svc.getSpec().getType())) {
                Name target = svc.getSpec().getExternalName() == null ? null
                        : absoluteOrNull(svc.getSpec().getExternalName());
                if (target != null) {
                    add(new CNAMERecord(name, DClass.IN, ttl, target));
                }
                return;
            }
            List<String> clusterIps = clusterIps(svc);
            if (!clusterIps.isEmpty()) {
                for (String ip : clusterIps) {
                    address(name, ip);
                    ptr(ip, name);
                }
                for (ServicePort port : ports(svc)) {
                    if (port.getName() != null && !port.getName().isEmpty()) {
                        Name srv = srvName(port.getName(), port.getProtocol(), name);
                        if (srv != null) {
                            add(new SRVRecord(srv, DClass.IN, ttl, 0, 100, port.getPort(), name));
                        }
                    }
                }
                names.add(name);
                return;
            }
            headless(svc, name, slices);
        }

        /** The ready endpoints of a headless Service (all of them with publishNotReadyAddresses). */
        private void headless(Service svc, Name name, List<EndpointSlice> slices) {
            boolean publishNotReady = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
            for (EndpointSlice slice : slices) {
                if (slice.getEndpoints() == null) {
                    continue;
                }
                for (Endpoint ep : slice.getEndpoints()) {
                    boolean ready = ep.getConditions() == null || ep.getConditions().getReady() == null
                            || ep.getConditions().getReady();
                    if ((!ready && !publishNotReady) || ep.getAddresses() == null) {
                        continue;
                    }
                    for (String ip : ep.getAddresses()) {
                        String label = ep.getHostname() != null && !ep.getHostname().isEmpty() ? ep.getHostname()
                                : dashed(ip);
                        Name host = label == null ? null : child(label, name);
                        if (host == null || !address(name, ip)) {
                            continue;
                        }
                        address(host, ip);
                        ptr(ip, host);
                        for (EndpointPort port : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                            if (port.getName() != null && !port.getName().isEmpty() && port.getPort() != null) {
                                Name srv = srvName(port.getName(), port.getProtocol(), name);
                                if (srv != null) {
                                    add(new SRVRecord(srv, DClass.IN, ttl, 0, 100, port.getPort(), host));
                                }
                            }
                        }
                    }
                }
            }
        }

        /** {@code a-b-c-d.<ns>.pod.<zone>} for each of the pod's IPs (CoreDNS's "pods verified" mode). */
        void pod(Pod pod) {
            if (pod.getMetadata() == null || pod.getStatus() == null) {
                return;
            }
            Set<String> ips = new LinkedHashSet<>();
            if (pod.getStatus().getPodIP() != null) {
                ips.add(pod.getStatus().getPodIP());
            }
            if (pod.getStatus().getPodIPs() != null) {
                for (PodIP ip : pod.getStatus().getPodIPs()) {
                    if (ip.getIp() != null) {
                        ips.add(ip.getIp());
                    }
                }
            }
            for (String ip : ips) {
                String label = dashed(ip);
                Name name = label == null ? null : name(label + "." + pod.getMetadata().getNamespace() + ".pod");
                if (name != null) {
                    address(name, ip);
                }
            }
        }

        private static List<String> clusterIps(Service svc) {
            List<String> ips = new ArrayList<>();
            if (svc.getSpec().getClusterIPs() != null && !svc.getSpec().getClusterIPs().isEmpty()) {
                ips.addAll(svc.getSpec().getClusterIPs());
            } else if (svc.getSpec().getClusterIP() != null) {
                ips.add(svc.getSpec().getClusterIP());
            }
            ips.removeIf(ip -> ip == null || ip.isEmpty() || "None".equals(ip));
            return ips;
        }

        private static List<ServicePort> ports(Service svc) {
            return svc.getSpec().getPorts() == null ? List.of() : svc.getSpec().getPorts();
        }

        private Name srvName(String port, String protocol, Name service) {
            String proto = (protocol == null ? "TCP" : protocol).toLowerCase(Locale.ROOT);
            return child("_" + port.toLowerCase(Locale.ROOT) + "._" + proto, service);
        }

        /** An A or AAAA record; false when the address is neither. */
        private boolean address(Name name, String ip) {
            InetAddress addr = literal(ip);
            if (addr == null) {
                return false;
            }
            add(addr.getAddress().length == 4 ? new ARecord(name, DClass.IN, ttl, addr)
                    : new AAAARecord(name, DClass.IN, ttl, addr));
            return true;
        }

        private void ptr(String ip, Name target) {
            InetAddress addr = literal(ip);
            if (addr != null) {
                Name reverse = ReverseMap.fromAddress(addr);
                Map<Integer, List<Record>> owned = records.get(reverse);
                List<Record> existing = owned == null ? null : owned.get(Type.PTR);
                if (existing == null || existing.stream().noneMatch(r -> ((PTRRecord) r).getTarget().equals(target))) {
                    add(new PTRRecord(reverse, DClass.IN, ttl, target));
                }
            }
        }

        private void add(Record r) {
            List<Record> list = records.computeIfAbsent(r.getName(), k -> new HashMap<>())
                    .computeIfAbsent(r.getType(), k -> new ArrayList<>());
            if (!list.contains(r)) {
                list.add(r);
            }
            Name n = r.getName();
            while (n.subdomain(origin) && names.add(n) && !n.equals(origin)) {
                n = new Name(n, 1);
            }
        }

        private Name name(String relative) {
            return child(relative, origin);
        }

        private Name child(String relative, Name parent) {
            try {
                Name n = Name.fromString(relative.toLowerCase(Locale.ROOT), parent);
                return n.subdomain(parent) && !n.equals(parent) ? n : null;
            } catch (TextParseException e) {
                return null;
            }
        }

        ClusterZone finish() {
            Map<Name, Map<Integer, List<Record>>> frozen = new HashMap<>();
            records.forEach((k, v) -> {
                Map<Integer, List<Record>> byType = new HashMap<>();
                v.forEach((t, list) -> byType.put(t, List.copyOf(list)));
                frozen.put(k, Map.copyOf(byType));
            });
            return new ClusterZone(origin, ttl, soa, Map.copyOf(frozen), Set.copyOf(names));
        }
    }

    private static Name absoluteOrNull(String name) {
        try {
            return absolute(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** 10.244.1.5 -> 10-244-1-5; 2001:db8::1 -> 2001-db8--1, as CoreDNS names them; null if not an IP literal. */
    static String dashed(String ip) {
        if (literal(ip) == null) {
            return null;
        }
        return ip.replace('.', '-').replace(':', '-');
    }

    /** An IP literal, never a host name lookup. */
    static InetAddress literal(String ip) {
        if (ip == null || ip.isEmpty() || !(ip.indexOf(':') >= 0 || ip.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            return null;
        }
        try {
            if (ip.indexOf(':') < 0 && ip.split("\\.", -1).length != 4) {
                return null;
            }
            if (ip.indexOf(':') >= 0 && !ip.chars().allMatch(c -> c == ':' || Character.digit(c, 16) >= 0)) {
                return null;
            }
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
