package dev.keelson.kubelet.stats;

import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link Summary} from one listing of the running containers (a single runtime call, whose records the
 * runtime caches) and the cgroup and /proc files: no per-container runtime call. A pod's usage is the sum of its
 * containers' and its sandbox's (Docker gives a pod no cgroup of its own); its network is its sandbox's network
 * namespace, read through a process of the sandbox's cgroup. Blocking: call it off the event loop.
 */
public final class StatsCollector {
    private final ContainerRuntime runtime;
    private final CgroupReader cgroups;
    private final Path proc;
    private final String nodeName;
    private final Path rootDir;
    private final CpuRates rates = new CpuRates();
    private final Instant bootTime;

    public StatsCollector(ContainerRuntime runtime, CgroupReader cgroups, Path proc, String nodeName, Path rootDir) {
        this.runtime = runtime;
        this.cgroups = cgroups;
        this.proc = proc;
        this.nodeName = nodeName;
        this.rootDir = rootDir;
        this.bootTime = bootTime(proc);
    }

    public Summary collect() {
        Instant now = Instant.now();
        boolean error = false;
        Set<String> keys = new HashSet<>();
        keys.add("node");
        Map<String, List<ContainerRecord>> byPod = new LinkedHashMap<>();
        for (ContainerRecord c : runtime.runningContainers()) {
            String uid = c.labels().get(ContainerLabels.POD_UID);
            if (uid != null) {
                byPod.computeIfAbsent(uid, k -> new ArrayList<>()).add(c);
            }
        }
        List<Summary.PodStats> pods = new ArrayList<>();
        for (Map.Entry<String, List<ContainerRecord>> e : byPod.entrySet()) {
            String uid = e.getKey();
            List<Summary.ContainerStats> containers = new ArrayList<>();
            long cpu = 0, usage = 0, workingSet = 0, rss = 0, faults = 0, majorFaults = 0;
            long sampleTime = 0;
            boolean any = false;
            Summary.Network network = null;
            ContainerRecord first = e.getValue().get(0);
            Instant podStart = null;
            for (ContainerRecord c : e.getValue()) {
                CgroupSample s = cgroups.container(c.id());
                if (s == null) {
                    error = true;
                    continue;
                }
                any = true;
                keys.add(c.id());
                cpu += s.cpuUsageNanos();
                usage += s.memoryUsageBytes();
                workingSet += s.workingSetBytes();
                rss += s.rssBytes();
                faults += s.pageFaults();
                majorFaults += s.majorPageFaults();
                sampleTime = Math.max(sampleTime, s.timeNanos());
                if (ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                    podStart = c.startedAt();
                    if (s.pid() > 0) {
                        network = new Summary.Network(now, CgroupFiles.netDev(proc.resolve(s.pid() + "/net/dev")));
                    }
                } else if (ContainerLabels.KIND_APP.equals(c.kind())) {
                    containers.add(new Summary.ContainerStats(c.containerName(), c.startedAt(),
                            new Summary.Cpu(now, rates.rate(c.id(), s.timeNanos(), s.cpuUsageNanos()), s.cpuUsageNanos()),
                            new Summary.Memory(now, null, s.memoryUsageBytes(), s.workingSetBytes(), s.rssBytes(),
                                    s.pageFaults(), s.majorPageFaults())));
                }
            }
            if (!any) {
                continue;
            }
            keys.add(uid);
            containers.sort(java.util.Comparator.comparing(Summary.ContainerStats::name));
            pods.add(new Summary.PodStats(first.labels().getOrDefault(ContainerLabels.POD_NAME, ""),
                    first.labels().getOrDefault(ContainerLabels.POD_NAMESPACE, ""), uid,
                    podStart != null ? podStart : first.startedAt(), containers,
                    new Summary.Cpu(now, rates.rate(uid, sampleTime, cpu), cpu),
                    new Summary.Memory(now, null, usage, workingSet, rss, faults, majorFaults), network));
        }
        pods.sort(java.util.Comparator.comparing(Summary.PodStats::namespace).thenComparing(Summary.PodStats::name));
        rates.retain(keys);
        cgroups.retain(keys);
        return new Summary(node(now), pods, error);
    }

    private Summary.NodeStats node(Instant now) {
        CgroupSample s = cgroups.node();
        Map<String, Long> meminfo = meminfo();
        long total = meminfo.getOrDefault("MemTotal", 0L);
        Summary.Cpu cpu;
        Summary.Memory memory;
        if (s != null) {
            cpu = new Summary.Cpu(now, rates.rate("node", s.timeNanos(), s.cpuUsageNanos()), s.cpuUsageNanos());
        } else {
            long nanos = procStatCpuNanos();
            cpu = new Summary.Cpu(now, rates.rate("node", System.nanoTime(), nanos), nanos);
        }
        // the node's memory is the machine's (/proc/meminfo), as the root cgroup of a container host may count less
        long usage = total - meminfo.getOrDefault("MemFree", 0L);
        long workingSet = Math.max(0, usage - meminfo.getOrDefault("Inactive(file)", 0L));
        memory = new Summary.Memory(now, Math.max(0, total - workingSet), usage, workingSet,
                s != null ? s.rssBytes() : meminfo.getOrDefault("AnonPages", 0L),
                s != null ? s.pageFaults() : 0, s != null ? s.majorPageFaults() : 0);
        List<CgroupFiles.Interface> interfaces = CgroupFiles.netDev(proc.resolve("self/net/dev"));
        return new Summary.NodeStats(nodeName, bootTime, cpu, memory, new Summary.Network(now, interfaces), fs(now));
    }

    private Summary.Fs fs(Instant now) {
        try {
            FileStore store = Files.getFileStore(Files.exists(rootDir) ? rootDir : Path.of("/"));
            long capacity = store.getTotalSpace();
            long available = store.getUsableSpace();
            return new Summary.Fs(now, available, capacity, capacity - store.getUnallocatedSpace());
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** /proc/meminfo in bytes. */
    private Map<String, Long> meminfo() {
        Map<String, Long> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
                String[] f = line.split("[:\\s]+");
                if (f.length >= 2) {
                    try {
                        out.put(f[0], Long.parseLong(f[1]) * (f.length > 2 && f[2].equals("kB") ? 1024 : 1));
                    } catch (NumberFormatException ignored) {
                        // not a number: no such line in today's kernels
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            return out;
        }
        return out;
    }

    /** All CPUs' busy time from /proc/stat (user, nice, system, irq, softirq, steal), for a host without cpuacct. */
    private long procStatCpuNanos() {
        try {
            String first = Files.readAllLines(proc.resolve("stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static Instant bootTime(Path proc) {
        try {
            for (String line : Files.readAllLines(proc.resolve("stat"))) {
                if (line.startsWith("btime ")) {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).trim()));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // no /proc/stat: no boot time to show
        }
        return null;
    }
}
