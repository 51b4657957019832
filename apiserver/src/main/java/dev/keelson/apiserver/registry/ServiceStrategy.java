package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.ServicePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.ServiceValidation;
import dev.keelson.componentbase.net.Ipv4;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Services: a ClusterIP from the service range and NodePorts from the node-port range, each reserved under its
 * own etcd key in the same transaction as the Service, so allocations are unique, never leak after a failed
 * or crashed write, and are released with the Service.
 */
public final class ServiceStrategy extends Strategy {
    static final String IP_PREFIX = "/registry/ranges/serviceips/";
    static final String PORT_PREFIX = "/registry/ranges/servicenodeports/";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EtcdStorage etcd;
    private final int networkAddress;
    private final int size;
    private final int portMin;
    private final int portMax;
    private final String cidr;

    public ServiceStrategy(EtcdStorage etcd, String serviceCidr, int portMin, int portMax) {
        super(Registration.namespaced("v1", "Service", "services", Service.class).shortNames("svc").categories("all")
                .subresources("status").storedUnder("services/specs"));
        this.etcd = etcd;
        this.cidr = serviceCidr;
        Ipv4.Cidr range = Ipv4.Cidr.parse(serviceCidr);
        this.size = (int) Math.min(range.size(), Integer.MAX_VALUE);
        this.networkAddress = range.network();
        this.portMin = portMin;
        this.portMax = portMax;
    }

    /** The first usable address of the range, reserved for the `kubernetes` Service. */
    public String firstAddress() {
        return Ipv4.format(networkAddress + 1);
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.service(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ServiceValidation.service(e, obj, type().namespaced(), portMin, portMax);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        ServiceValidation.serviceUpdate(e, newObj, oldObj, type().namespaced(), portMin, portMax);
    }

    @Override
    public TablePrinter printer() {
        return ServicePrinters.SERVICES;
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        obj.putObject("status").putObject("loadBalancer");
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        super.prepareForUpdate(newObj, oldObj);
        ObjectNode spec = newObj.with("spec");
        JsonNode oldSpec = oldObj.path("spec");
        // allocated values the client left out are kept, as Kubernetes does
        if (!spec.hasNonNull("clusterIP") && oldSpec.hasNonNull("clusterIP")
                && !"ExternalName".equals(spec.path("type").asText())) {
            spec.set("clusterIP", oldSpec.get("clusterIP").deepCopy());
            if (oldSpec.has("clusterIPs")) {
                spec.set("clusterIPs", oldSpec.get("clusterIPs").deepCopy());
            }
        }
        if (usesNodePorts(spec)) {
            for (JsonNode p : spec.path("ports")) {
                if (!p.hasNonNull("nodePort") || p.get("nodePort").asInt() == 0) {
                    for (JsonNode op : oldSpec.path("ports")) {
                        if (op.path("port").asInt() == p.path("port").asInt()
                                && op.path("protocol").asText("TCP").equals(p.path("protocol").asText("TCP"))
                                && op.hasNonNull("nodePort")) {
                            ((ObjectNode) p).put("nodePort", op.get("nodePort").asInt());
                        }
                    }
                }
            }
        }
    }

    private static boolean usesNodePorts(JsonNode spec) {
        String t = spec.path("type").asText("ClusterIP");
        return "NodePort".equals(t) || "LoadBalancer".equals(t);
    }

    private static boolean needsClusterIp(JsonNode spec) {
        return !"ExternalName".equals(spec.path("type").asText("ClusterIP"))
                && !"None".equals(spec.path("clusterIP").asText());
    }

    @Override
    public CompletableFuture<Allocation> allocateForCreate(ObjectNode obj, boolean dryRun) {
        return allocate(obj, null);
    }

    @Override
    public CompletableFuture<Allocation> allocateForUpdate(ObjectNode newObj, ObjectNode oldObj, boolean dryRun) {
        return allocate(newObj, oldObj);
    }

    private CompletableFuture<Allocation> allocate(ObjectNode obj, ObjectNode old) {
        ObjectNode spec = obj.with("spec");
        String owner = ownerOf(obj);
        return CompletableFuture.allOf().thenCompose(v -> allocateIp(spec, old, owner))
                .thenCompose(ipAlloc -> allocatePorts(spec, old, owner).thenApply(portAlloc -> {
                    List<EtcdStorage.Condition> conds = new ArrayList<>(ipAlloc.conditions());
                    conds.addAll(portAlloc.conditions());
                    List<EtcdStorage.Write> writes = new ArrayList<>(ipAlloc.writes());
                    writes.addAll(portAlloc.writes());
                    return new Allocation(conds, writes);
                }));
    }

    private static String ownerOf(ObjectNode obj) {
        JsonNode m = obj.path("metadata");
        return m.path("namespace").asText() + "/" + m.path("name").asText();
    }

    private CompletableFuture<Allocation> allocateIp(ObjectNode spec, ObjectNode old, String owner) {
        String oldIp = old == null ? null : old.path("spec").path("clusterIP").asText(null);
        boolean oldHad = oldIp != null && !oldIp.isEmpty() && !"None".equals(oldIp);
        if (!needsClusterIp(spec)) {
            if (oldHad && "ExternalName".equals(spec.path("type").asText())) {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
                return CompletableFuture.completedFuture(new Allocation(List.of(),
                        List.of(EtcdStorage.Write.delete(IP_PREFIX + oldIp))));
            }
            if ("None".equals(spec.path("clusterIP").asText())) {
                spec.putArray("clusterIPs").add("None");
            }
            return CompletableFuture.completedFuture(Allocation.NONE);
        }
        String requested = spec.path("clusterIP").asText("");
        if (!requested.isEmpty() && requested.equals(oldIp)) {
            return CompletableFuture.completedFuture(Allocation.NONE);
        }
        if (!requested.isEmpty()) {
            Integer ip = Ipv4.parse(requested);
            if (ip == null || !inRange(ip)) {
                throw invalidIp(owner, requested, "provided IP is not in the valid range. The range of valid IPs is "
                        + cidr);
            }
            return etcd.get(IP_PREFIX + requested).thenApply(existing -> {
                if (existing.isPresent()) {
                    throw invalidIp(owner, requested, "provided IP is already allocated");
                }
                setIp(spec, requested);
                return new Allocation(List.of(EtcdStorage.Condition.absent(IP_PREFIX + requested)),
                        List.of(EtcdStorage.Write.put(IP_PREFIX + requested, owner.getBytes(StandardCharsets.UTF_8))));
            });
        }
        return usedKeys(IP_PREFIX).thenApply(used -> {
            // skip the network address, the `kubernetes` Service's first address and the broadcast address
            int usable = size - 3;
            if (used.size() >= usable) {
                throw ApiException.internal("failed to allocate a serviceIP: range is full");
            }
            int start = RANDOM.nextInt(usable);
            for (int i = 0; i < usable; i++) {
                String ip = Ipv4.format(networkAddress + 2 + (start + i) % usable);
                if (!used.contains(ip)) {
                    setIp(spec, ip);
                    return new Allocation(List.of(EtcdStorage.Condition.absent(IP_PREFIX + ip)),
                            List.of(EtcdStorage.Write.put(IP_PREFIX + ip, owner.getBytes(StandardCharsets.UTF_8))));
                }
            }
            throw ApiException.internal("failed to allocate a serviceIP: range is full");
        });
    }

    private static void setIp(ObjectNode spec, String ip) {
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
    }

    private static String nameOf(String owner) {
        return owner.substring(owner.indexOf('/') + 1);
    }

    private ApiException invalidIp(String owner, String ip, String why) {
        return ApiException.invalid("", "Service", nameOf(owner), List.of(new FieldError("FieldValueInvalid", "spec.clusterIPs",
                "Invalid value: []string{\"" + ip + "\"}: failed to allocate IP " + ip + ": " + why)));
    }

    private CompletableFuture<Allocation> allocatePorts(ObjectNode spec, ObjectNode old, String owner) {
        Set<Integer> oldPorts = new HashSet<>();
        if (old != null && usesNodePorts(old.path("spec"))) {
            for (JsonNode p : old.path("spec").path("ports")) {
                if (p.path("nodePort").asInt(0) > 0) {
                    oldPorts.add(p.path("nodePort").asInt());
                }
            }
        }
        if (!usesNodePorts(spec)) {
            for (JsonNode p : spec.path("ports")) {
                ((ObjectNode) p).remove("nodePort");
            }
            List<EtcdStorage.Write> releases = new ArrayList<>();
            oldPorts.forEach(p -> releases.add(EtcdStorage.Write.delete(PORT_PREFIX + p)));
            return CompletableFuture.completedFuture(new Allocation(List.of(), releases));
        }
        return usedKeys(PORT_PREFIX).thenApply(used -> {
            List<EtcdStorage.Condition> conds = new ArrayList<>();
            List<EtcdStorage.Write> writes = new ArrayList<>();
            Set<Integer> keep = new HashSet<>();
            Set<Integer> taken = new HashSet<>();
            ArrayNode ports = spec.path("ports") instanceof ArrayNode a ? a : spec.putArray("ports");
            for (int i = 0; i < ports.size(); i++) {
                ObjectNode p = (ObjectNode) ports.get(i);
                int requested = p.path("nodePort").asInt(0);
                if (requested > 0) {
                    if (requested < portMin || requested > portMax) {
                        throw ApiException.invalid("", "Service", nameOf(owner), List.of(new FieldError("FieldValueInvalid",
                                "spec.ports[" + i + "].nodePort", "Invalid value: " + requested
                                        + ": provided port is not in the valid range. The range of valid ports is "
                                        + portMin + "-" + portMax)));
                    }
                    if (oldPorts.contains(requested)) {
                        keep.add(requested);
                        continue;
                    }
                    if (used.contains(Integer.toString(requested)) || !taken.add(requested)) {
                        throw ApiException.invalid("", "Service", nameOf(owner), List.of(new FieldError("FieldValueInvalid",
                                "spec.ports[" + i + "].nodePort", "Invalid value: " + requested
                                        + ": provided port is already allocated")));
                    }
                } else {
                    int span = portMax - portMin + 1;
                    int start = RANDOM.nextInt(span);
                    requested = -1;
                    for (int k = 0; k < span; k++) {
                        int candidate = portMin + (start + k) % span;
                        if (!used.contains(Integer.toString(candidate)) && !oldPorts.contains(candidate)
                                && taken.add(candidate)) {
                            requested = candidate;
                            break;
                        }
                    }
                    if (requested < 0) {
                        throw ApiException.internal("failed to allocate a nodePort: range is full");
                    }
                    p.put("nodePort", requested);
                }
                conds.add(EtcdStorage.Condition.absent(PORT_PREFIX + requested));
                writes.add(EtcdStorage.Write.put(PORT_PREFIX + requested, owner.getBytes(StandardCharsets.UTF_8)));
            }
            for (int p : oldPorts) {
                if (!keep.contains(p)) {
                    writes.add(EtcdStorage.Write.delete(PORT_PREFIX + p));
                }
            }
            return new Allocation(conds, writes);
        });
    }

    private CompletableFuture<Set<String>> usedKeys(String prefix) {
        return etcd.range(prefix, null, 0, 0).thenApply(r -> {
            Set<String> out = new HashSet<>();
            r.items().forEach(kv -> out.add(kv.key().substring(prefix.length())));
            return out;
        });
    }

    @Override
    public Allocation releaseOnDelete(ObjectNode obj) {
        List<EtcdStorage.Write> writes = new ArrayList<>();
        JsonNode spec = obj.path("spec");
        String ip = spec.path("clusterIP").asText("");
        if (!ip.isEmpty() && !"None".equals(ip)) {
            writes.add(EtcdStorage.Write.delete(IP_PREFIX + ip));
        }
        for (JsonNode p : spec.path("ports")) {
            if (p.path("nodePort").asInt(0) > 0) {
                writes.add(EtcdStorage.Write.delete(PORT_PREFIX + p.path("nodePort").asInt()));
            }
        }
        return new Allocation(List.of(), writes);
    }

    private boolean inRange(int ip) {
        long offset = Integer.toUnsignedLong(ip) - Integer.toUnsignedLong(networkAddress);
        return offset > 0 && offset < size - 1;
    }

    static String json(JsonNode n) {
        return Json.text(n);
    }
}
