package dev.keelson.scheduler.framework;

/** The outcome of one scheduling cycle: the chosen node, or the fit error that explains why none fits. */
public record ScheduleResult(String nodeName, FitError fitError, int evaluatedNodes, int feasibleNodes) {
    public boolean scheduled() {
        return nodeName != null;
    }
}
