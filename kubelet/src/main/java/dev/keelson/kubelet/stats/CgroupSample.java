package dev.keelson.kubelet.stats;

/**
 * One reading of a cgroup's CPU and memory counters, normalised over cgroup v1 and v2.
 *
 * @param cpuUsageNanos cumulative CPU time of every task in the cgroup (v1 cpuacct.usage, v2 cpu.stat usage_usec)
 * @param memoryUsageBytes v1 memory.usage_in_bytes, v2 memory.current
 * @param workingSetBytes usage minus inactive file pages, as cAdvisor computes it (never below 0)
 * @param rssBytes anonymous memory (v1 total_rss, v2 anon)
 * @param pid a process of the cgroup (for its network namespace), 0 when none
 */
public record CgroupSample(long timeNanos, long cpuUsageNanos, long memoryUsageBytes, long workingSetBytes,
                           long rssBytes, long pageFaults, long majorPageFaults, int pid) {}
