package dev.keelson.kubelet.stats;

import java.time.Instant;
import java.util.List;

/**
 * What the kubelet knows of its node's and pods' resource usage at one moment: the content of Kubernetes'
 * stats/v1alpha1 Summary, rendered as JSON by {@link SummaryJson} and as Prometheus text by {@link ResourceMetrics}.
 *
 * @param scrapeError true when some container's cgroup could not be read (resource_scrape_error)
 */
public record Summary(NodeStats node, List<PodStats> pods, boolean scrapeError) {

    /** @param usageNanoCores null until two samples were taken */
    public record Cpu(Instant time, Long usageNanoCores, long usageCoreNanoSeconds) {}

    /** @param availableBytes null when there is no limit */
    public record Memory(Instant time, Long availableBytes, long usageBytes, long workingSetBytes, long rssBytes,
                         long pageFaults, long majorPageFaults) {}

    public record Network(Instant time, List<CgroupFiles.Interface> interfaces) {}

    public record Fs(Instant time, long availableBytes, long capacityBytes, long usedBytes) {}

    public record NodeStats(String nodeName, Instant startTime, Cpu cpu, Memory memory, Network network, Fs fs) {}

    public record ContainerStats(String name, Instant startTime, Cpu cpu, Memory memory) {}

    public record PodStats(String name, String namespace, String uid, Instant startTime, List<ContainerStats> containers,
                           Cpu cpu, Memory memory, Network network) {}
}
