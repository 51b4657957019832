package dev.keelson.apiserver.auth;

/** An authorizer's answer with its reason (which a Forbidden message carries after the verb and resource). */
public record Decision(Kind kind, String reason) {
    /** Allow and Deny end the chain; NoOpinion hands the request to the next authorizer. */
    public enum Kind { ALLOW, DENY, NO_OPINION }

    public static final Decision ALLOW = new Decision(Kind.ALLOW, "");
    public static final Decision NO_OPINION = new Decision(Kind.NO_OPINION, "");

    public static Decision allow(String reason) {
        return new Decision(Kind.ALLOW, reason);
    }

    public static Decision deny(String reason) {
        return new Decision(Kind.DENY, reason);
    }

    public static Decision noOpinion(String reason) {
        return new Decision(Kind.NO_OPINION, reason);
    }
}
