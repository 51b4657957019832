package dev.keelson.apiserver.auth;

/**
 * One authorization mode (Node, AlwaysAllow, AlwaysDeny, and RBAC once it exists): answers Allow, Deny or NoOpinion for
 * a request's attributes. It must not block: it is called on the event loop for every request.
 */
public interface Authorizer {
    Decision authorize(Attributes attributes);
}
