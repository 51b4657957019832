package dev.keelson.scheduler.framework;

/** A filter extension point: can this pod run on this node? */
public interface FilterPlugin {
    String name();

    /** Null when the node passes; otherwise the reasons it does not. Must not allocate on the passing path. */
    FilterResult filter(PodInfo pod, NodeInfo node);
}
