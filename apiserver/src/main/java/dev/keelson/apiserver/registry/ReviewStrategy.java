package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.auth.Authenticator;

/**
 * A create-only kind that is answered, not stored (SubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview...,
 * as Kubernetes' authorization and authentication groups): discovery lists it with the verb {@code create}, it has
 * no etcd prefix, watch cache or store, and a POST returns the request with its status filled in (201).
 */
public abstract class ReviewStrategy extends Strategy {
    protected ReviewStrategy(Registration registration) {
        super(registration);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    /** The answered review for {@code request} posted by {@code user} ({@code namespace} for namespaced kinds). */
    public abstract ObjectNode review(ObjectNode request, Authenticator.User user, String namespace);
}
