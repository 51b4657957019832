package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Services, following core/validation's ValidateService and ValidateServiceUpdate plus the NodePort range check. */
public final class ServiceValidation {

    private static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
    private static final List<String> AFFINITIES = List.of("ClientIP", "None");
    private static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
    private static final List<String> IP_FAMILIES = List.of("IPv4", "IPv6");
    private static final List<String> IP_FAMILY_POLICIES = List.of("PreferDualStack", "RequireDualStack", "SingleStack");
    private static final int MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

    private ServiceValidation() {
    }

    public static void service(Errs e, ObjectNode obj, boolean namespaced, int nodePortMin, int nodePortMax) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS1035_LABEL);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        if (spec == null) {
            spec = ObjectNodes.EMPTY;
        }
        String type = e.text(spec, "type", p.child("type"));
        List<String> clusterIPs = clusterIPs(e, spec, p);
        boolean headless = clusterIPs.size() == 1 && clusterIPs.get(0).equals("None");
        List<ObjectNode> ports = e.objects(spec, "ports", p.child("ports"));
        if (ports.isEmpty() && !headless && !type.equals("ExternalName")) {
            e.required(p.child("ports"), "");
        }
        switch (type) {
            case "LoadBalancer", "NodePort" -> {
                if (headless) {
                    e.invalid(p.child("clusterIPs").index(0), "None", "may not be set to 'None' for " + type + " services");
                }
            }
            case "ExternalName" -> {
                if (!clusterIPs.isEmpty()) {
                    e.forbidden(p.child("clusterIPs"), "may not be set for ExternalName services");
                }
                if (PodValidation.sizeOf(spec.get("ipFamilies")) > 0) {
                    e.forbidden(p.child("ipFamilies"), "may not be set for ExternalName services");
                }
                if (ObjectNodes.has(spec, "ipFamilyPolicy")) {
                    e.forbidden(p.child("ipFamilyPolicy"), "may not be set for ExternalName services");
                }
                String cname = e.text(spec, "externalName", p.child("externalName"));
                if (cname.endsWith(".")) {
                    cname = cname.substring(0, cname.length() - 1);
                }
                if (cname.isEmpty()) {
                    e.required(p.child("externalName"), "");
                } else {
                    e.invalidEach(p.child("externalName"), cname, Formats.dns1123Subdomain(cname));
                }
            }
            default -> {
            }
        }
        Set<String> portNames = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            servicePort(e, ports.get(i), ports.size() > 1, portNames, p.child("ports").index(i));
        }
        MetaValidation.labels(e, e.stringMap(spec, "selector", p.child("selector")), p.child("selector"));
        String affinity = e.text(spec, "sessionAffinity", p.child("sessionAffinity"));
        PodValidation.enumField(e, affinity, AFFINITIES, p.child("sessionAffinity"));
        ObjectNode affinityConfig = e.object(spec, "sessionAffinityConfig", p.child("sessionAffinityConfig"));
        if (affinity.equals("ClientIP")) {
            clientIpAffinity(e, affinityConfig, p.child("sessionAffinityConfig"));
        } else if (affinity.equals("None") && affinityConfig != null) {
            e.forbidden(p.child("sessionAffinityConfig"), "must not be set when session affinity is None");
        }
        if (!type.equals("ExternalName")) {
            clusterIPsRelated(e, spec, clusterIPs, headless, p);
        }
        List<String> externalIPs = e.strings(spec, "externalIPs", p.child("externalIPs"));
        for (int i = 0; i < externalIPs.size(); i++) {
            List<String> msgs = Formats.ip(externalIPs.get(i));
            e.invalidEach(p.child("externalIPs").index(i), externalIPs.get(i), msgs);
            if (msgs.isEmpty()) {
                EndpointValidation.nonSpecialIp(e, externalIPs.get(i), p.child("externalIPs").index(i));
            }
        }
        if (type.isEmpty()) {
            e.required(p.child("type"), "");
        } else if (!TYPES.contains(type)) {
            e.notSupported(p.child("type"), type, TYPES);
        }
        Set<String> nodePorts = new HashSet<>();
        Set<String> portKeys = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            FieldPath pp = p.child("ports").index(i);
            ObjectNode port = ports.get(i);
            long nodePort = PodValidation.longOr(port.get("nodePort"), 0);
            String protocol = ObjectNodes.text(port, "protocol");
            if (nodePort != 0) {
                if (type.equals("ClusterIP") || type.equals("ExternalName")) {
                    e.forbidden(pp.child("nodePort"), "may not be used when `type` is '" + type + "'");
                } else if (nodePort < nodePortMin || nodePort > nodePortMax) {
                    e.invalid(pp.child("nodePort"), nodePort, "provided port is not in the valid range. The range of valid "
                            + "ports is " + nodePortMin + "-" + nodePortMax);
                }
                if (!nodePorts.add(protocol + "/" + nodePort)) {
                    e.duplicate(pp.child("nodePort"), nodePort);
                }
            }
            long portNum = PodValidation.longOr(port.get("port"), 0);
            if (!portKeys.add(protocol + "/" + portNum)) {
                e.duplicate(pp, new GoValues.Literal("core.ServicePort{Name:\"\", Protocol:" + GoValues.quote(protocol)
                        + ", AppProtocol:(*string)(nil), Port:" + portNum
                        + ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"));
            }
        }
        List<String> sourceRanges = e.strings(spec, "loadBalancerSourceRanges", p.child("loadBalancerSourceRanges"));
        if (!sourceRanges.isEmpty()) {
            FieldPath rp = p.child("LoadBalancerSourceRanges");
            if (!type.equals("LoadBalancer")) {
                e.forbidden(rp, "may only be used when `type` is 'LoadBalancer'");
            }
            for (int i = 0; i < sourceRanges.size(); i++) {
                String v = sourceRanges.get(i).strip();
                e.invalidEach(rp.index(i), v, Formats.cidr(v));
            }
        }
        Boolean allocate = e.bool(spec, "allocateLoadBalancerNodePorts", p.child("allocateLoadBalancerNodePorts"));
        if (allocate != null && !type.equals("LoadBalancer")) {
            e.forbidden(p.child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'");
        }
        if (type.equals("LoadBalancer") && allocate == null) {
            e.required(FieldPath.of("allocateLoadBalancerNodePorts"), "");
        }
        trafficPolicies(e, spec, type, p);
    }

    public static void serviceUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced, int nodePortMin, int nodePortMax) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        ObjectNode spec = ObjectNodes.child(obj, "spec");
        ObjectNode oldSpec = ObjectNodes.child(old, "spec");
        boolean externalName = "ExternalName".equals(ObjectNodes.text(spec, "type"))
                || "ExternalName".equals(ObjectNodes.text(oldSpec, "type"));
        if (!externalName) {
            List<String> now = effectiveClusterIPs(spec);
            List<String> before = effectiveClusterIPs(oldSpec);
            boolean bothHeadless = isHeadless(now) && isHeadless(before);
            FieldPath cp = FieldPath.of("spec", "clusterIPs");
            Object shown = now.isEmpty() ? new GoValues.Literal("[]string(nil)") : now;
            if (!bothHeadless) {
                if (now.size() == before.size()) {
                    for (int i = 0; i < before.size(); i++) {
                        if (!before.get(i).equals(now.get(i))) {
                            e.invalid(cp.index(i), shown, "may not change once set");
                        }
                    }
                } else if (before.size() > now.size()) {
                    if (now.isEmpty()) {
                        e.invalid(cp.index(0), shown, "primary clusterIP can not be unset");
                    } else if (!now.get(0).equals(before.get(0))) {
                        e.invalid(cp.index(0), shown, "may not change once set");
                    }
                } else if (!before.isEmpty() && !now.get(0).equals(before.get(0))) {
                    e.invalid(cp.index(0), shown, "may not change once set");
                }
            }
        }
        service(e, obj, namespaced, nodePortMin, nodePortMax);
    }

    private static void servicePort(Errs e, ObjectNode port, boolean requireName, Set<String> names, FieldPath p) {
        String name = e.text(port, "name", p.child("name"));
        if (requireName && name.isEmpty()) {
            e.required(p.child("name"), "");
        } else if (!name.isEmpty()) {
            e.invalidEach(p.child("name"), name, Formats.dns1123Label(name));
            if (!names.add(name)) {
                e.duplicate(p.child("name"), name);
            }
        }
        Long portNum = e.integer(port, "port", p.child("port"));
        long value = portNum == null ? 0 : portNum;
        e.invalidEach(p.child("port"), value, Formats.portNum(value));
        PodValidation.protocol(e, e.text(port, "protocol", p.child("protocol")), p.child("protocol"));
        PodValidation.portNumOrName(e, port.get("targetPort"), p.child("targetPort"));
        String appProtocol = e.str(port, "appProtocol", p.child("appProtocol"));
        if (appProtocol != null) {
            e.invalidEach(p.child("appProtocol"), appProtocol, Formats.qualifiedName(appProtocol));
        }
        e.integer(port, "nodePort", p.child("nodePort"));
    }

    private static void clientIpAffinity(Errs e, ObjectNode config, FieldPath p) {
        String when = "when session affinity type is ClientIP";
        if (config == null) {
            e.required(p, when);
            return;
        }
        ObjectNode clientIp = e.object(config, "clientIP", p.child("clientIP"));
        if (clientIp == null) {
            e.required(p.child("clientIP"), when);
            return;
        }
        FieldPath tp = p.child("clientIP").child("timeoutSeconds");
        Long timeout = e.integer(clientIp, "timeoutSeconds", tp);
        if (timeout == null) {
            e.required(tp, when);
        } else if (timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
            e.invalid(tp, timeout, "must be greater than 0 and less than " + MAX_CLIENT_IP_AFFINITY_SECONDS);
        }
    }

    private static List<String> clusterIPs(Errs e, ObjectNode spec, FieldPath p) {
        e.str(spec, "clusterIP", p.child("clusterIP"));
        e.strings(spec, "clusterIPs", p.child("clusterIPs"));
        return effectiveClusterIPs(spec);
    }

    /** clusterIPs, or [clusterIP] when only the singular field was given (the strategy keeps them in sync). */
    static List<String> effectiveClusterIPs(ObjectNode spec) {
        List<String> ips = MetaValidation.stringsOf(spec == null ? null : spec.get("clusterIPs"));
        String ip = ObjectNodes.text(spec, "clusterIP");
        if (ips.isEmpty() && !ip.isEmpty()) {
            ips = new ArrayList<>(List.of(ip));
        }
        return ips;
    }

    private static boolean isHeadless(List<String> ips) {
        return ips.size() == 1 && ips.get(0).equals("None");
    }

    private static void clusterIPsRelated(Errs e, ObjectNode spec, List<String> ips, boolean headless, FieldPath p) {
        FieldPath cp = p.child("clusterIPs");
        String clusterIP = ObjectNodes.text(spec, "clusterIP");
        if (!clusterIP.isEmpty() && !ips.isEmpty() && !ips.get(0).equals(clusterIP)) {
            e.invalid(cp, ips, "first value must match `clusterIP`");
        }
        List<String> families = MetaValidation.stringsOf(spec.get("ipFamilies"));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < families.size(); i++) {
            if (!IP_FAMILIES.contains(families.get(i))) {
                e.notSupported(p.child("ipFamilies").index(i), families.get(i), IP_FAMILIES);
            }
            if (!seen.add(families.get(i))) {
                e.duplicate(p.child("ipFamilies").index(i), families.get(i));
            }
        }
        String policy = e.str(spec, "ipFamilyPolicy", p.child("ipFamilyPolicy"));
        if (policy != null && !IP_FAMILY_POLICIES.contains(policy)) {
            e.notSupported(p.child("ipFamilyPolicy"), policy, IP_FAMILY_POLICIES);
        }
        boolean invalid = false;
        for (int i = 0; i < ips.size(); i++) {
            if (i == 0 && ips.get(i).equals("None")) {
                if (ips.size() > 1) {
                    invalid = true;
                    e.invalid(cp, ips, "'None' must be the first and only value");
                }
                continue;
            }
            List<String> msgs = Formats.ip(ips.get(i));
            invalid |= !msgs.isEmpty();
            e.invalidEach(cp.index(i), ips.get(i), msgs);
        }
        if (ips.size() > 2) {
            e.invalid(cp, ips, "may only hold up to 2 values");
        }
        if (invalid) {
            return;
        }
        if (ips.size() == 2 && Formats.isIpv4(ips.get(0)) == Formats.isIpv4(ips.get(1))) {
            e.invalid(cp, ips, "may specify no more than one IP for each IP family");
        }
        if (!headless) {
            for (int i = 0; i < ips.size() && i < families.size(); i++) {
                boolean v6 = Formats.isIpv6(ips.get(i)) && !ips.get(i).contains(".");
                if (families.get(i).equals("IPv4") && v6) {
                    e.invalid(cp.index(i), ips.get(i), "expected an IPv4 value as indicated by `ipFamilies[" + i + "]`");
                }
                if (families.get(i).equals("IPv6") && !v6) {
                    e.invalid(cp.index(i), ips.get(i), "expected an IPv6 value as indicated by `ipFamilies[" + i + "]`");
                }
            }
        }
    }

    private static void trafficPolicies(Errs e, ObjectNode spec, String type, FieldPath p) {
        boolean external = type.equals("NodePort") || type.equals("LoadBalancer")
                || PodValidation.sizeOf(spec.get("externalIPs")) > 0;
        String etp = e.text(spec, "externalTrafficPolicy", p.child("externalTrafficPolicy"));
        if (!external) {
            if (!etp.isEmpty()) {
                e.invalid(p.child("externalTrafficPolicy"), etp, "may only be set for externally-accessible services");
            }
        } else {
            PodValidation.enumField(e, etp, TRAFFIC_POLICIES, p.child("externalTrafficPolicy"));
        }
        long healthCheckNodePort = PodValidation.longOr(spec.get("healthCheckNodePort"), 0);
        boolean needsHealthCheck = type.equals("LoadBalancer") && etp.equals("Local");
        if (!needsHealthCheck && healthCheckNodePort != 0) {
            e.invalid(p.child("healthCheckNodePort"), healthCheckNodePort,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'");
        }
        JsonNode itp = spec.get("internalTrafficPolicy");
        if (itp == null || itp.isNull()) {
            if (type.equals("NodePort") || type.equals("LoadBalancer") || type.equals("ClusterIP")) {
                e.required(p.child("internalTrafficPolicy"), "");
            }
        } else if (!TRAFFIC_POLICIES.contains(itp.asText())) {
            e.notSupported(p.child("internalTrafficPolicy"), itp.asText(), TRAFFIC_POLICIES);
        }
    }
}
