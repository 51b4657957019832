package dev.keelson.apiserver.registry;

import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.selection.FieldSelector;
import dev.keelson.componentbase.api.LabelSelector;

/** Query options of the generic store's verbs. */
public final class Options {
    private Options() {}

    /**
     * Options of create, update and patch; {@code context} is the API request's (user, warnings), null for the
     * apiserver's own writes, which are not admitted.
     */
    public record Write(boolean dryRun, String fieldManager, RequestContext context) {
        public static final Write DEFAULT = new Write(false, null, null);

        public Write(boolean dryRun, String fieldManager) {
            this(dryRun, fieldManager, null);
        }

        public Write withContext(RequestContext context) {
            return new Write(dryRun, fieldManager, context);
        }
    }

    /** Options of list and watch. */
    public record List(LabelSelector labels, FieldSelector fields, long limit, String continueToken,
                       String resourceVersion, String resourceVersionMatch) {
        public static final List ALL = new List(LabelSelector.everything(), FieldSelector.everything(), 0, null, null, null);
    }

    /** DeleteOptions, as sent in a DELETE body or query. */
    public record Delete(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
                         String preconditionResourceVersion, boolean dryRun, RequestContext context) {
        public static final Delete DEFAULT = new Delete(null, null, null, null, false, null);

        public Delete(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
                      String preconditionResourceVersion, boolean dryRun) {
            this(gracePeriodSeconds, propagationPolicy, preconditionUid, preconditionResourceVersion, dryRun, null);
        }

        public Delete withContext(RequestContext context) {
            return new Delete(gracePeriodSeconds, propagationPolicy, preconditionUid, preconditionResourceVersion,
                    dryRun, context);
        }
    }
}
