package dev.keelson.controllermanager.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import java.util.Map;

/**
 * Kubernetes' zone disruption rules: how healthy a zone is, and how fast nodes in it may newly be tainted
 * NoExecute, so that a partition of a zone (or of the whole cluster) does not evict everything at once.
 */
final class ZoneDisruption {
    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    static final String REGION_LABEL = "topology.kubernetes.io/region";

    enum State { NORMAL, PARTIAL_DISRUPTION, FULL_DISRUPTION }

    /** The flags that shape eviction: Kubernetes' --node-eviction-rate, --secondary-node-eviction-rate ... */
    record Policy(double evictionRate, double secondaryEvictionRate, double unhealthyZoneThreshold,
                  int largeClusterSizeThreshold) {}

    private ZoneDisruption() {}

    /** Nodes without zone labels share the zone "" as in Kubernetes; region and zone together name a zone. */
    static String zoneOf(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        if (labels == null) {
            return "";
        }
        String region = labels.getOrDefault(REGION_LABEL, "");
        String zone = labels.getOrDefault(ZONE_LABEL, "");
        return region.isEmpty() && zone.isEmpty() ? "" : region + ":" + zone;
    }

    /**
     * Full disruption when no node of the zone is ready; partial when more than two are not ready and they are at
     * least the unhealthy threshold's fraction of the zone.
     */
    static State state(int ready, int notReady, double unhealthyZoneThreshold) {
        if (notReady > 0 && ready == 0) {
            return State.FULL_DISRUPTION;
        }
        if (notReady > 2 && (double) notReady / (notReady + ready) >= unhealthyZoneThreshold) {
            return State.PARTIAL_DISRUPTION;
        }
        return State.NORMAL;
    }

    /**
     * Taints per second allowed in a zone. A fully disrupted zone (while other zones are healthy) is tainted at the
     * normal rate: its nodes are most likely really gone. A partially disrupted zone slows down to the secondary
     * rate if it is large, and stops if it is small. When every zone is fully disrupted nothing is tainted at all:
     * the controller-manager is more likely cut off than every node dead.
     */
    static double rate(State state, int zoneSize, boolean allZonesFullyDisrupted, Policy policy) {
        if (allZonesFullyDisrupted) {
            return 0;
        }
        return switch (state) {
            case NORMAL, FULL_DISRUPTION -> policy.evictionRate();
            case PARTIAL_DISRUPTION -> zoneSize > policy.largeClusterSizeThreshold() ? policy.secondaryEvictionRate() : 0;
        };
    }
}
