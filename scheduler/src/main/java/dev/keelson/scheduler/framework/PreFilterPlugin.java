package dev.keelson.scheduler.framework;

/** A pre-filter extension point: can this pod be placed at all? A filter plugin may also be one. */
public interface PreFilterPlugin {
    /** Null when the pod may go on to the filters; otherwise why no node can take it. */
    String preFilter(PodInfo pod);
}
