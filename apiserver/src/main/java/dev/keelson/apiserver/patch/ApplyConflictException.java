package dev.keelson.apiserver.patch;

import java.util.List;
import java.util.stream.Collectors;

/** Server-side apply would take fields that other managers own with different values (409 unless force). */
public class ApplyConflictException extends RuntimeException {

    /** One conflicting field, e.g. {@code .spec.replicas}, and the manager that owns it. */
    public record Conflict(String field, String manager) {
        /** The cause message Kubernetes uses: {@code conflict with "other": .spec.replicas}. */
        public String message() {
            return "conflict with \"" + manager + "\": " + field;
        }
    }

    private final List<Conflict> conflicts;

    public ApplyConflictException(List<Conflict> conflicts) {
        super("Apply failed with " + conflicts.size() + (conflicts.size() == 1 ? " conflict: " : " conflicts: ")
                + conflicts.stream().map(Conflict::message).collect(Collectors.joining("; ")));
        this.conflicts = List.copyOf(conflicts);
    }

    public List<Conflict> conflicts() {
        return conflicts;
    }
}
