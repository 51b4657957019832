package dev.keelson.apiserver.registry;

import dev.keelson.apiserver.selection.FieldSelector;
import dev.keelson.apiserver.selection.LabelSelector;

/** Query options of the generic store's verbs. */
public final class Options {
    private Options() {}

    /** Options of create, update and patch. */
    public record Write(boolean dryRun, String fieldManager) {
        public static final Write DEFAULT = new Write(false, null);
    }

    /** Options of list and watch. */
    public record List(LabelSelector labels, FieldSelector fields, long limit, String continueToken,
                       String resourceVersion, String resourceVersionMatch) {
        public static final List ALL = new List(LabelSelector.everything(), FieldSelector.everything(), 0, null, null, null);
    }

    /** DeleteOptions, as sent in a DELETE body or query. */
    public record Delete(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
                         String preconditionResourceVersion, boolean dryRun) {
        public static final Delete DEFAULT = new Delete(null, null, null, null, false);
    }
}
