package dev.keelson.scheduler.framework;

import dev.keelson.componentbase.api.Quantities;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.HashMap;
import java.util.Map;

/**
 * A mutable amount of cpu (millicores), memory, ephemeral storage (bytes) and extended resources;
 * the unit of the scheduler's request arithmetic. Extended resources are rare, so their map is only made when used.
 */
public final class ResourceVector {
    public long milliCpu;
    public long memory;
    public long ephemeralStorage;
    private Map<String, Long> scalars;

    public static ResourceVector of(Map<String, Quantity> quantities) {
        ResourceVector v = new ResourceVector();
        if (quantities != null) {
            quantities.forEach(v::addQuantity);
        }
        return v;
    }

    public void addQuantity(String name, Quantity q) {
        switch (name) {
            case "cpu" -> milliCpu += Quantities.milliValue(q);
            case "memory" -> memory += Quantities.value(q);
            case "ephemeral-storage" -> ephemeralStorage += Quantities.value(q);
            case "pods" -> { }
            default -> {
                if (isExtended(name)) {
                    scalars().merge(name, Quantities.value(q), Long::sum);
                }
            }
        }
    }

    /** Extended resources carry a domain ("example.com/gpu"); hugepages also count. */
    static boolean isExtended(String name) {
        return name.indexOf('/') > 0 || name.startsWith("hugepages-");
    }

    public void add(ResourceVector o) {
        milliCpu += o.milliCpu;
        memory += o.memory;
        ephemeralStorage += o.ephemeralStorage;
        if (o.scalars != null) {
            o.scalars.forEach((k, val) -> scalars().merge(k, val, Long::sum));
        }
    }

    public void subtract(ResourceVector o) {
        milliCpu -= o.milliCpu;
        memory -= o.memory;
        ephemeralStorage -= o.ephemeralStorage;
        if (o.scalars != null) {
            o.scalars.forEach((k, val) -> scalars().merge(k, -val, Long::sum));
        }
    }

    /** Raises each resource to at least the other's amount. */
    public void setMax(ResourceVector o) {
        milliCpu = Math.max(milliCpu, o.milliCpu);
        memory = Math.max(memory, o.memory);
        ephemeralStorage = Math.max(ephemeralStorage, o.ephemeralStorage);
        if (o.scalars != null) {
            o.scalars.forEach((k, val) -> scalars().merge(k, val, Math::max));
        }
    }

    public boolean isZero() {
        return milliCpu == 0 && memory == 0 && ephemeralStorage == 0 && (scalars == null || scalars.isEmpty());
    }

    public Map<String, Long> scalarsOrEmpty() {
        return scalars == null ? Map.of() : scalars;
    }

    public long scalar(String name) {
        return scalars == null ? 0 : scalars.getOrDefault(name, 0L);
    }

    private Map<String, Long> scalars() {
        if (scalars == null) {
            scalars = new HashMap<>(4);
        }
        return scalars;
    }

    @Override
    public String toString() {
        return "cpu=" + milliCpu + "m memory=" + memory + " ephemeral-storage=" + ephemeralStorage
                + (scalars == null ? "" : " " + scalars);
    }
}
