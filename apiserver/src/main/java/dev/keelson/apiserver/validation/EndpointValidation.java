package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** v1 Endpoints and discovery.k8s.io/v1 EndpointSlices. */
public final class EndpointValidation {

    private static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");
    private static final int MAX_SLICE_ENDPOINTS = 1000;
    private static final int MAX_SLICE_ADDRESSES = 100;
    private static final int MAX_SLICE_PORTS = 20000;

    private EndpointValidation() {
    }

    public static void endpoints(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("subsets");
        List<ObjectNode> subsets = e.objects(obj, "subsets", p);
        for (int i = 0; i < subsets.size(); i++) {
            ObjectNode ss = subsets.get(i);
            FieldPath sp = p.index(i);
            List<ObjectNode> ready = e.objects(ss, "addresses", sp.child("addresses"));
            List<ObjectNode> notReady = e.objects(ss, "notReadyAddresses", sp.child("notReadyAddresses"));
            if (ready.isEmpty() && notReady.isEmpty()) {
                e.required(sp, "must specify `addresses` or `notReadyAddresses`");
            }
            for (int j = 0; j < ready.size(); j++) {
                address(e, ready.get(j), sp.child("addresses").index(j));
            }
            for (int j = 0; j < notReady.size(); j++) {
                address(e, notReady.get(j), sp.child("notReadyAddresses").index(j));
            }
            List<ObjectNode> ports = e.objects(ss, "ports", sp.child("ports"));
            for (int j = 0; j < ports.size(); j++) {
                FieldPath pp = sp.child("ports").index(j);
                ObjectNode port = ports.get(j);
                String name = e.text(port, "name", pp.child("name"));
                if (ports.size() > 1 && name.isEmpty()) {
                    e.required(pp.child("name"), "");
                } else if (!name.isEmpty()) {
                    e.invalidEach(pp.child("name"), name, Formats.dns1123Label(name));
                }
                Long num = e.integer(port, "port", pp.child("port"));
                long value = num == null ? 0 : num;
                e.invalidEach(pp.child("port"), value, Formats.portNum(value));
                PodValidation.protocol(e, e.text(port, "protocol", pp.child("protocol")), pp.child("protocol"));
                appProtocol(e, port, pp);
            }
        }
    }

    private static void address(Errs e, ObjectNode a, FieldPath p) {
        String ip = e.text(a, "ip", p.child("ip"));
        e.invalidEach(p.child("ip"), ip, Formats.ip(ip));
        String hostname = e.text(a, "hostname", p.child("hostname"));
        if (!hostname.isEmpty()) {
            e.invalidEach(p.child("hostname"), hostname, Formats.dns1123Label(hostname));
        }
        String nodeName = e.str(a, "nodeName", p.child("nodeName"));
        if (nodeName != null) {
            e.invalidEach(p.child("nodeName"), nodeName, Formats.nameIsDnsSubdomain(nodeName, false));
        }
        nonSpecialIp(e, ip, p.child("ip"));
    }

    /** Kubernetes' ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
    static void nonSpecialIp(Errs e, String ip, FieldPath p) {
        byte[] b = bytes(ip);
        if (b == null) {
            e.invalid(p, ip, "must be a valid IP address");
            return;
        }
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        boolean v4 = b.length == 4;
        boolean unspecified = true;
        for (byte x : b) {
            unspecified &= x == 0;
        }
        if (unspecified) {
            e.invalid(p, ip, "may not be unspecified (" + ip + ")");
        }
        boolean loopback = v4 ? b0 == 127 : isV6Loopback(b);
        if (loopback) {
            e.invalid(p, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)");
        }
        boolean linkLocal = v4 ? b0 == 169 && b1 == 254 : b0 == 0xfe && (b1 & 0xc0) == 0x80;
        if (linkLocal) {
            e.invalid(p, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
        }
        boolean linkLocalMulticast = v4 ? b0 == 224 && b1 == 0 && (b[2] & 0xff) == 0 : b0 == 0xff && (b1 & 0x0f) == 0x02;
        if (linkLocalMulticast) {
            e.invalid(p, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)");
        }
    }

    private static boolean isV6Loopback(byte[] b) {
        for (int i = 0; i < 15; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[15] == 1;
    }

    private static byte[] bytes(String ip) {
        if (Formats.isIpv4(ip)) {
            String[] parts = ip.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return b;
        }
        if (Formats.isIpv6(ip)) {
            try {
                return InetAddress.getByName(ip).getAddress();
            } catch (UnknownHostException ex) {
                return null;
            }
        }
        return null;
    }

    public static void endpointSlice(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        String addressType = e.text(obj, "addressType", FieldPath.of("addressType"));
        if (addressType.isEmpty()) {
            e.required(FieldPath.of("addressType"), "");
        } else if (!ADDRESS_TYPES.contains(addressType)) {
            e.notSupported(FieldPath.of("addressType"), addressType, ADDRESS_TYPES);
        }
        FieldPath ep = FieldPath.of("endpoints");
        List<ObjectNode> endpoints = e.objects(obj, "endpoints", ep);
        if (endpoints.size() > MAX_SLICE_ENDPOINTS) {
            e.add(FieldError.tooMany(ep, endpoints.size(), MAX_SLICE_ENDPOINTS));
        }
        for (int i = 0; i < endpoints.size(); i++) {
            ObjectNode endpoint = endpoints.get(i);
            FieldPath idx = ep.index(i);
            FieldPath ap = idx.child("addresses");
            List<String> addresses = e.strings(endpoint, "addresses", ap);
            if (addresses.isEmpty()) {
                e.required(ap, "must contain at least 1 address");
            } else if (addresses.size() > MAX_SLICE_ADDRESSES) {
                e.add(FieldError.tooMany(ap, addresses.size(), MAX_SLICE_ADDRESSES));
            }
            for (int j = 0; j < addresses.size(); j++) {
                String a = addresses.get(j);
                FieldPath one = ap.index(j);
                switch (addressType) {
                    case "IPv4" -> {
                        if (Formats.isIpv4(a)) {
                            nonSpecialIp(e, a, one);
                        } else {
                            e.invalid(one, a, "must be a valid IPv4 address");
                        }
                    }
                    case "IPv6" -> {
                        if (Formats.isIpv6(a)) {
                            nonSpecialIp(e, a, one);
                        } else {
                            e.invalid(one, a, "must be a valid IPv6 address");
                        }
                    }
                    case "FQDN" -> fqdn(e, a, one);
                    default -> {
                    }
                }
            }
            String hostname = e.str(endpoint, "hostname", idx.child("hostname"));
            if (hostname != null) {
                e.invalidEach(idx.child("hostname"), hostname, Formats.dns1123Label(hostname));
            }
            String nodeName = e.str(endpoint, "nodeName", idx.child("nodeName"));
            if (nodeName != null) {
                e.invalidEach(idx.child("nodeName"), nodeName, Formats.nameIsDnsSubdomain(nodeName, false));
            }
            e.object(endpoint, "conditions", idx.child("conditions"));
        }
        FieldPath pp = FieldPath.of("ports");
        List<ObjectNode> ports = e.objects(obj, "ports", pp);
        if (ports.size() > MAX_SLICE_PORTS) {
            e.add(FieldError.tooMany(pp, ports.size(), MAX_SLICE_PORTS));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            FieldPath idx = pp.index(i);
            String name = e.text(port, "name", idx.child("name"));
            if (!name.isEmpty()) {
                e.invalidEach(idx.child("name"), name, Formats.dns1123Label(name));
            }
            if (!names.add(name)) {
                e.duplicate(idx.child("name"), name);
            }
            String protocol = e.str(port, "protocol", idx.child("protocol"));
            if (protocol == null) {
                e.required(idx.child("protocol"), "");
            } else if (!PodValidation.PROTOCOLS.contains(protocol)) {
                e.notSupported(idx.child("protocol"), protocol, PodValidation.PROTOCOLS);
            }
            Long num = e.integer(port, "port", idx.child("port"));
            if (num != null) {
                e.invalidEach(idx.child("port"), num, Formats.portNum(num));
            }
            appProtocol(e, port, idx);
        }
    }

    public static void endpointSliceUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        endpointSlice(e, obj, namespaced);
        String now = ObjectNodes.text(obj, "addressType");
        if (!now.equals(ObjectNodes.text(old, "addressType"))) {
            e.invalid(FieldPath.of("addressType"), now, "field is immutable");
        }
    }

    private static void fqdn(Errs e, String name, FieldPath p) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        List<String> msgs = Formats.dns1123Subdomain(n);
        if (!msgs.isEmpty()) {
            e.invalid(p, n, String.join(",", msgs));
        } else if (n.split("\\.").length < 2) {
            e.invalid(p, n, "should be a domain with at least two segments separated by dots");
        }
    }

    private static void appProtocol(Errs e, ObjectNode port, FieldPath p) {
        String appProtocol = e.str(port, "appProtocol", p.child("appProtocol"));
        if (appProtocol != null) {
            e.invalidEach(p.child("appProtocol"), appProtocol, Formats.qualifiedName(appProtocol));
        }
    }
}
