package dev.keelson.apiserver.auth.rbac;

import dev.keelson.apiserver.auth.Authenticator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Kubernetes' escalation check (rbac/validation ConfirmNoEscalation): a user may grant only rules it already holds
 * in that namespace. Returns the refusal message, listing each missing rule compacted as Kubernetes prints it.
 */
public final class Escalation {
    private Escalation() {
    }

    /** Null when {@code user}'s own rules in {@code namespace} cover {@code rules}, else Kubernetes' message. */
    public static String confirmNoEscalation(RbacIndex index, Authenticator.User user, String namespace,
                                             List<PolicyRule> rules) {
        RbacIndex.Rules owner = index.rulesFor(user, namespace);
        List<PolicyRule> missing = missing(owner.rules(), rules);
        if (missing.isEmpty()) {
            return null;
        }
        TreeSet<String> descriptions = new TreeSet<>();
        for (PolicyRule r : compact(missing)) {
            descriptions.add(r.compactString());
        }
        String msg = "user \"" + user.name() + "\" (groups=" + PolicyRule.quoted(user.groups())
                + ") is attempting to grant RBAC permissions not currently held:\n" + String.join("\n", descriptions);
        if (!owner.errors().isEmpty()) {
            msg += "; resolution errors: [" + RbacAuthorizer.aggregate(owner.errors()) + "]";
        }
        return msg;
    }

    /** rbac/validation Covers: the broken-down requested rules that no owner rule covers. */
    static List<PolicyRule> missing(List<PolicyRule> owner, List<PolicyRule> requested) {
        List<PolicyRule> out = new ArrayList<>();
        for (PolicyRule r : requested) {
            for (PolicyRule simple : r.breakdown()) {
                boolean covered = false;
                for (PolicyRule o : owner) {
                    if (o.covers(simple)) {
                        covered = true;
                        break;
                    }
                }
                if (!covered) {
                    out.add(simple);
                }
            }
        }
        return out;
    }

    /** CompactRules: simple rules on one group, resource and (at most one) name merge their verbs. */
    static List<PolicyRule> compact(List<PolicyRule> rules) {
        List<PolicyRule> out = new ArrayList<>();
        Map<List<String>, List<String>> verbs = new LinkedHashMap<>();
        Map<List<String>, PolicyRule> first = new LinkedHashMap<>();
        for (PolicyRule r : rules) {
            boolean simple = r.nonResourceURLs().isEmpty() && r.apiGroups().size() == 1 && r.resources().size() == 1
                    && r.resourceNames().size() <= 1;
            if (!simple) {
                out.add(r);
                continue;
            }
            List<String> key = List.of(r.apiGroups().get(0), r.resources().get(0),
                    r.resourceNames().isEmpty() ? "" : r.resourceNames().get(0),
                    Boolean.toString(!r.resourceNames().isEmpty()));
            first.putIfAbsent(key, r);
            verbs.computeIfAbsent(key, k -> new ArrayList<>()).addAll(r.verbs());
        }
        first.forEach((key, r) -> out.add(new PolicyRule(verbs.get(key), r.apiGroups(), r.resources(),
                r.resourceNames(), List.of())));
        return out;
    }
}
