package dev.keelson.kubelet.stats;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Renders a {@link Summary} in the JSON shape of Kubernetes' {@code /stats/summary} (stats/v1alpha1). */
public final class SummaryJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SummaryJson() {}

    public static ObjectNode render(Summary summary) {
        ObjectNode root = JSON.createObjectNode();
        Summary.NodeStats n = summary.node();
        ObjectNode node = root.putObject("node");
        node.put("nodeName", n.nodeName());
        node.putArray("systemContainers");
        time(node, "startTime", n.startTime());
        cpu(node, n.cpu());
        memory(node, n.memory());
        network(node, n.network());
        if (n.fs() != null) {
            ObjectNode fs = node.putObject("fs");
            time(fs, "time", n.fs().time());
            fs.put("availableBytes", n.fs().availableBytes());
            fs.put("capacityBytes", n.fs().capacityBytes());
            fs.put("usedBytes", n.fs().usedBytes());
        }
        ArrayNode pods = root.putArray("pods");
        for (Summary.PodStats p : summary.pods()) {
            ObjectNode pod = pods.addObject();
            ObjectNode ref = pod.putObject("podRef");
            ref.put("name", p.name());
            ref.put("namespace", p.namespace());
            ref.put("uid", p.uid());
            time(pod, "startTime", p.startTime());
            ArrayNode containers = pod.putArray("containers");
            for (Summary.ContainerStats c : p.containers()) {
                ObjectNode container = containers.addObject();
                container.put("name", c.name());
                time(container, "startTime", c.startTime());
                cpu(container, c.cpu());
                memory(container, c.memory());
            }
            cpu(pod, p.cpu());
            memory(pod, p.memory());
            network(pod, p.network());
        }
        return root;
    }

    private static void time(ObjectNode node, String field, Instant time) {
        if (time != null) {
            node.put(field, time.truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }

    private static void cpu(ObjectNode parent, Summary.Cpu cpu) {
        ObjectNode o = parent.putObject("cpu");
        time(o, "time", cpu.time());
        if (cpu.usageNanoCores() != null) {
            o.put("usageNanoCores", cpu.usageNanoCores());
        }
        o.put("usageCoreNanoSeconds", cpu.usageCoreNanoSeconds());
    }

    private static void memory(ObjectNode parent, Summary.Memory m) {
        ObjectNode o = parent.putObject("memory");
        time(o, "time", m.time());
        if (m.availableBytes() != null) {
            o.put("availableBytes", m.availableBytes());
        }
        o.put("usageBytes", m.usageBytes());
        o.put("workingSetBytes", m.workingSetBytes());
        o.put("rssBytes", m.rssBytes());
        o.put("pageFaults", m.pageFaults());
        o.put("majorPageFaults", m.majorPageFaults());
    }

    private static void network(ObjectNode parent, Summary.Network net) {
        if (net == null || net.interfaces().isEmpty()) {
            return;
        }
        ObjectNode o = parent.putObject("network");
        time(o, "time", net.time());
        CgroupFiles.Interface main = net.interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst()
                .orElse(net.interfaces().get(0));
        iface(o, main);
        ArrayNode all = o.putArray("interfaces");
        for (CgroupFiles.Interface i : net.interfaces()) {
            iface(all.addObject(), i);
        }
    }

    private static void iface(ObjectNode o, CgroupFiles.Interface i) {
        o.put("name", i.name());
        o.put("rxBytes", i.rxBytes());
        o.put("rxErrors", i.rxErrors());
        o.put("txBytes", i.txBytes());
        o.put("txErrors", i.txErrors());
    }
}
