package dev.keelson.kubelet.node;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import oshi.SystemInfo;
import oshi.software.os.OSFileStore;

/** The host's capacity as OSHI reads it, and allocatable = capacity minus the reservations. */
public final class NodeCapacity {
    /** Raw figures: logical CPUs, memory bytes, bytes of the file store that holds the kubelet root dir. */
    public record Host(int cpus, long memoryBytes, long storageBytes, long availableMemoryBytes, long availableStorageBytes) {}

    private NodeCapacity() {}

    public static Host read(SystemInfo si, String rootDir) {
        var hw = si.getHardware();
        int cpus = hw.getProcessor().getLogicalProcessorCount();
        long memory = hw.getMemory().getTotal();
        long available = hw.getMemory().getAvailable();
        OSFileStore best = null;
        for (OSFileStore fs : si.getOperatingSystem().getFileSystem().getFileStores(true)) {
            String type = fs.getType() == null ? "" : fs.getType();
            String name = fs.getName() == null ? "" : fs.getName();
            if (type.equals("tmpfs") || type.equals("devtmpfs") || name.contains("zram") || fs.getVolume().contains("zram")
                    || type.equals("overlay") || fs.getTotalSpace() <= 0) {
                continue;
            }
            String mount = fs.getMount();
            if (rootDir.startsWith(mount) && (best == null || mount.length() > best.getMount().length())) {
                best = fs;
            }
        }
        long storage = best == null ? 0 : best.getTotalSpace();
        long freeStorage = best == null ? 0 : best.getUsableSpace();
        return new Host(cpus, memory, storage, available, freeStorage);
    }

    public static Map<String, Quantity> capacity(Host host, int maxPods) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        out.put("cpu", new Quantity(Integer.toString(host.cpus())));
        out.put("memory", new Quantity(host.memoryBytes() / 1024 + "Ki"));
        out.put("ephemeral-storage", new Quantity(host.storageBytes() / 1024 + "Ki"));
        out.put("pods", new Quantity(Integer.toString(maxPods)));
        return out;
    }

    /** Capacity minus system-reserved and kube-reserved, never below zero. */
    public static Map<String, Quantity> allocatable(Map<String, Quantity> capacity, Map<String, Quantity> systemReserved,
                                                    Map<String, Quantity> kubeReserved) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        for (Map.Entry<String, Quantity> e : capacity.entrySet()) {
            String name = e.getKey();
            BigDecimal value = e.getValue().getNumericalAmount();
            for (Map<String, Quantity> reserved : java.util.List.of(systemReserved, kubeReserved)) {
                Quantity r = reserved.get(name);
                if (r != null) {
                    value = value.subtract(r.getNumericalAmount());
                }
            }
            if (value.signum() < 0) {
                value = BigDecimal.ZERO;
            }
            out.put(name, format(name, value));
        }
        return out;
    }

    private static Quantity format(String name, BigDecimal value) {
        if (name.equals("cpu")) {
            long milli = value.multiply(BigDecimal.valueOf(1000)).longValue();
            return milli % 1000 == 0 ? new Quantity(Long.toString(milli / 1000)) : new Quantity(milli + "m");
        }
        if (name.equals("pods")) {
            return new Quantity(value.toBigInteger().toString());
        }
        long bytes = value.longValue();
        return bytes % 1024 == 0 ? new Quantity(bytes / 1024 + "Ki") : new Quantity(Long.toString(bytes));
    }
}
