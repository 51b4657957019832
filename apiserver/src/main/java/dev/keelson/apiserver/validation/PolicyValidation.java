package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Quantities;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * core/v1 LimitRanges and ResourceQuotas as core/validation checks them (ValidateLimitRange, ValidateResourceQuota):
 * resource names, quantities and their order (min, default request, default, max), quota scopes and scope selectors.
 * Quantities a message shows as values are printed as their canonical strings (Kubernetes prints the struct).
 */
public final class PolicyValidation {
    private static final Set<String> LIMIT_TYPES = Set.of("Pod", "Container", "PersistentVolumeClaim");
    private static final Set<String> STANDARD_CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");
    private static final Set<String> STANDARD_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage", "requests.cpu",
            "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
            "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
            "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers");
    private static final Set<String> STANDARD_QUOTA_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage",
            "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage", "limits.cpu",
            "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers",
            "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports",
            "services.loadbalancers");
    private static final Set<String> INTEGER_RESOURCES = Set.of("pods", "services", "replicationcontrollers",
            "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports",
            "services.loadbalancers");
    private static final Set<String> SCOPES = Set.of("Terminating", "NotTerminating", "BestEffort", "NotBestEffort",
            "PriorityClass", "CrossNamespacePodAffinity");
    private static final Set<String> POD_COMPUTE = Set.of("cpu", "memory", "limits.cpu", "limits.memory",
            "requests.cpu", "requests.memory");
    private static final List<Set<String>> CONFLICTING_SCOPES = List.of(Set.of("BestEffort", "NotBestEffort"),
            Set.of("Terminating", "NotTerminating"));

    private PolicyValidation() {
    }

    // ---------------------------------------------------------------- LimitRange

    public static void limitRange(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath lp = FieldPath.of("spec", "limits");
        ObjectNode spec = e.object(obj, "spec", FieldPath.of("spec"));
        Set<String> types = new HashSet<>();
        List<ObjectNode> limits = e.objects(spec, "limits", lp);
        for (int i = 0; i < limits.size(); i++) {
            limitRangeItem(e, limits.get(i), lp.index(i), types);
        }
    }

    private static void limitRangeItem(Errs e, ObjectNode limit, FieldPath p, Set<String> types) {
        String type = e.text(limit, "type", p.child("type"));
        limitTypeName(e, type, p.child("type"));
        if (!types.add(type)) {
            e.duplicate(p.child("type"), type);
        }
        Set<String> keys = new TreeSet<>();
        Map<String, BigDecimal> max = quantities(e, limit, "max", type, p, keys);
        Map<String, BigDecimal> min = quantities(e, limit, "min", type, p, keys);
        Map<String, BigDecimal> defaults = Map.of();
        Map<String, BigDecimal> defaultRequests = Map.of();
        if (type.equals("Pod")) {
            if (limit.path("default").size() > 0) {
                e.forbidden(p.child("default"), "may not be specified when `type` is 'Pod'");
            }
            if (limit.path("defaultRequest").size() > 0) {
                e.forbidden(p.child("defaultRequest"), "may not be specified when `type` is 'Pod'");
            }
        } else {
            defaults = quantities(e, limit, "default", type, p, keys);
            defaultRequests = quantities(e, limit, "defaultRequest", type, p, keys);
        }
        if (type.equals("PersistentVolumeClaim") && !min.containsKey("storage") && !max.containsKey("storage")) {
            e.required(p.child("limits"), "either minimum or maximum storage value is required, but neither was "
                    + "provided");
        }
        Map<String, BigDecimal> ratios = quantities(e, limit, "maxLimitRequestRatio", type, p, keys);
        for (String k : keys) {
            BigDecimal mn = min.get(k);
            BigDecimal mx = max.get(k);
            BigDecimal df = defaults.get(k);
            BigDecimal dr = defaultRequests.get(k);
            BigDecimal ratio = ratios.get(k);
            if (mn != null && mx != null && mn.compareTo(mx) > 0) {
                e.invalid(p.child("min").key(k), text(limit, "min", k), "min value " + text(limit, "min", k)
                        + " is greater than max value " + text(limit, "max", k));
            }
            if (dr != null && mn != null && mn.compareTo(dr) > 0) {
                e.invalid(p.child("defaultRequest").key(k), text(limit, "defaultRequest", k), "min value "
                        + text(limit, "min", k) + " is greater than default request value "
                        + text(limit, "defaultRequest", k));
            }
            if (dr != null && mx != null && dr.compareTo(mx) > 0) {
                e.invalid(p.child("defaultRequest").key(k), text(limit, "defaultRequest", k), "default request value "
                        + text(limit, "defaultRequest", k) + " is greater than max value " + text(limit, "max", k));
            }
            if (dr != null && df != null && dr.compareTo(df) > 0) {
                e.invalid(p.child("defaultRequest").key(k), text(limit, "defaultRequest", k), "default request value "
                        + text(limit, "defaultRequest", k) + " is greater than default limit value "
                        + text(limit, "default", k));
            }
            if (df != null && mn != null && mn.compareTo(df) > 0) {
                e.invalid(p.child("default").key(k), text(limit, "min", k), "min value " + text(limit, "min", k)
                        + " is greater than default value " + text(limit, "default", k));
            }
            if (df != null && mx != null && df.compareTo(mx) > 0) {
                e.invalid(p.child("default").key(k), text(limit, "max", k), "default value " + text(limit, "default", k)
                        + " is greater than max value " + text(limit, "max", k));
            }
            if (ratio != null && ratio.compareTo(BigDecimal.ONE) < 0) {
                e.invalid(p.child("maxLimitRequestRatio").key(k), text(limit, "maxLimitRequestRatio", k), "ratio "
                        + text(limit, "maxLimitRequestRatio", k) + " is less than 1");
            }
            if (ratio != null && mn != null && mx != null && mn.signum() != 0) {
                BigDecimal limitRatio = mx.divide(mn, 6, RoundingMode.HALF_EVEN);
                if (ratio.compareTo(limitRatio) > 0) {
                    e.invalid(p.child("maxLimitRequestRatio").key(k), text(limit, "maxLimitRequestRatio", k), "ratio "
                            + text(limit, "maxLimitRequestRatio", k) + " is greater than max/min = "
                            + limitRatio.setScale(6, RoundingMode.HALF_EVEN).toPlainString());
                }
            }
            if (!overcommitAllowed(k) && df != null && dr != null && df.compareTo(dr) != 0) {
                e.invalid(p.child("defaultRequest").key(k), text(limit, "defaultRequest", k), "default value "
                        + text(limit, "default", k) + " must equal to defaultRequest value "
                        + text(limit, "defaultRequest", k) + " in " + k);
            }
        }
    }

    /** The parsed quantities of one resource list of a limit, its names checked for the limit's type. */
    private static Map<String, BigDecimal> quantities(Errs e, ObjectNode limit, String field, String type,
                                                      FieldPath p, Set<String> keys) {
        Map<String, BigDecimal> out = new TreeMap<>();
        ObjectNode list = e.object(limit, field, p.child(field));
        if (list == null) {
            return out;
        }
        for (String k : new TreeSet<>(fieldNames(list))) {
            FieldPath kp = p.child(field).key(k);
            if (type.equals("Pod") || type.equals("Container")) {
                containerResourceName(e, k, kp);
            } else {
                resourceName(e, k, kp);
            }
            keys.add(k);
            PodValidation.quantity(e, list.get(k), kp).ifPresent(q -> out.put(k, q));
        }
        return out;
    }

    private static String text(ObjectNode limit, String field, String key) {
        String raw = PodValidation.quantityText(limit.path(field).get(key));
        return raw == null ? "0" : Quantities.tryParse(raw).map(Quantities.Quantity::canonical).orElse(raw);
    }

    private static void limitTypeName(Errs e, String value, FieldPath p) {
        List<String> msgs = Formats.qualifiedName(value);
        if (!msgs.isEmpty()) {
            e.invalidEach(p, value, msgs);
            return;
        }
        if (!value.contains("/") && !LIMIT_TYPES.contains(value)) {
            e.invalid(p, value, "must be a standard limit type or fully qualified");
        }
    }

    /** validateResourceName: a qualified name, standard unless it has a domain. */
    private static void resourceName(Errs e, String value, FieldPath p) {
        List<String> msgs = Formats.qualifiedName(value);
        if (!msgs.isEmpty()) {
            e.invalidEach(p, value, msgs);
        } else if (!value.contains("/") && !STANDARD_RESOURCES.contains(value) && !isQuotaHugePages(value)) {
            e.invalid(p, value, "must be a standard resource type or fully qualified");
        }
    }

    private static void containerResourceName(Errs e, String value, FieldPath p) {
        resourceName(e, value, p);
        if (!value.contains("/")) {
            if (!STANDARD_CONTAINER_RESOURCES.contains(value) && !value.startsWith("hugepages-")) {
                e.invalid(p, value, "must be a standard resource for containers");
            }
        } else if (!isNative(value) && !isExtended(value)) {
            e.invalid(p, value, "doesn't follow extended resource name standard");
        }
    }

    private static boolean isQuotaHugePages(String name) {
        return name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
    }

    private static boolean isNative(String name) {
        return !name.contains("/") || name.contains("kubernetes.io/");
    }

    /** IsExtendedResourceName: outside kubernetes.io, not prefixed with requests., and a valid quota name. */
    private static boolean isExtended(String name) {
        return !isNative(name) && !name.startsWith("requests.")
                && Formats.qualifiedName("requests." + name).isEmpty();
    }

    private static boolean overcommitAllowed(String name) {
        return isNative(name) && !name.startsWith("hugepages-");
    }

    // ---------------------------------------------------------------- ResourceQuota

    public static void resourceQuota(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        quotaSpec(e, obj);
        ObjectNode status = e.object(obj, "status", FieldPath.of("status"));
        quotaList(e, status, "hard", FieldPath.of("status"));
        quotaList(e, status, "used", FieldPath.of("status"));
    }

    /** ValidateResourceQuotaUpdate: the spec as on create, and scopes that never change. */
    public static void resourceQuotaUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        resourceQuota(e, obj, namespaced);
        Set<String> scopes = new HashSet<>(MetaValidation.stringsOf(obj.path("spec").path("scopes")));
        Set<String> oldScopes = new HashSet<>(MetaValidation.stringsOf(old.path("spec").path("scopes")));
        if (!scopes.equals(oldScopes)) {
            e.invalid(FieldPath.of("spec", "scopes"), scopesValue(obj.path("spec").path("scopes")),
                    "field is immutable");
        }
    }

    private static void quotaSpec(Errs e, ObjectNode obj) {
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", sp);
        Set<String> hard = quotaList(e, spec, "hard", sp);
        if (spec == null) {
            return;
        }
        List<String> scopes = e.strings(spec, "scopes", sp.child("scopes"));
        Set<String> seen = new LinkedHashSet<>();
        for (String scope : scopes) {
            if (!SCOPES.contains(scope)) {
                e.invalid(sp.child("scopes"), scopesValue(spec.get("scopes")), "unsupported scope");
            }
            for (String k : hard) {
                if (STANDARD_QUOTA_RESOURCES.contains(k) && !scopeValidFor(scope, k)) {
                    e.invalid(sp.child("scopes"), scopesValue(spec.get("scopes")),
                            "unsupported scope applied to resource");
                }
            }
            seen.add(scope);
        }
        conflicting(e, seen, sp.child("scopes"), scopesValue(spec.get("scopes")));
        ObjectNode selector = e.object(spec, "scopeSelector", sp.child("scopeSelector"));
        if (selector != null) {
            scopeSelector(e, selector, hard, sp.child("scopeSelector").child("matchExpressions"));
        }
    }

    private static void scopeSelector(Errs e, ObjectNode selector, Set<String> hard, FieldPath p) {
        Set<String> seen = new LinkedHashSet<>();
        for (ObjectNode req : e.objects(selector, "matchExpressions", p)) {
            String scope = e.text(req, "scopeName", p.child("scopeName"));
            String op = e.text(req, "operator", p.child("operator"));
            List<String> values = e.strings(req, "values", p.child("values"));
            if (!SCOPES.contains(scope)) {
                e.invalid(p.child("scopeName"), scope, "unsupported scope");
            }
            for (String k : hard) {
                if (STANDARD_QUOTA_RESOURCES.contains(k) && !scopeValidFor(scope, k)) {
                    e.invalid(p, new GoValues.Literal(selector.toString()), "unsupported scope applied to resource");
                }
            }
            if (Set.of("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity")
                    .contains(scope) && !op.equals("Exists")) {
                e.invalid(p.child("operator"), op, "must be 'Exist' when scope is any of "
                        + "ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, "
                        + "ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity");
            }
            switch (op) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        e.required(p.child("values"),
                                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector");
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        e.invalid(p.child("values"), values,
                                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector");
                    }
                }
                default -> e.invalid(p.child("operator"), op, "not a valid selector operator");
            }
            seen.add(scope);
        }
        conflicting(e, seen, p, null);
    }

    private static void conflicting(Errs e, Set<String> scopes, FieldPath p, Object value) {
        for (Set<String> pair : CONFLICTING_SCOPES) {
            if (scopes.containsAll(pair)) {
                e.invalid(p, value, "conflicting scopes");
            }
        }
    }

    /** IsResourceQuotaScopeValidForResource. */
    private static boolean scopeValidFor(String scope, String resource) {
        return switch (scope) {
            case "Terminating", "NotTerminating", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity" ->
                    resource.equals("pods") || POD_COMPUTE.contains(resource);
            case "BestEffort" -> resource.equals("pods");
            default -> true;
        };
    }

    /** The names of a hard/used list, each checked as a quota resource with a valid quantity. */
    private static Set<String> quotaList(Errs e, ObjectNode parent, String field, FieldPath parentPath) {
        Set<String> names = new TreeSet<>();
        FieldPath p = parentPath.child(field);
        ObjectNode list = parent == null ? null : e.object(parent, field, p);
        if (list == null) {
            return names;
        }
        for (String k : new TreeSet<>(fieldNames(list))) {
            FieldPath kp = p.key(k);
            names.add(k);
            resourceName(e, k, kp);
            if (!k.contains("/") && !STANDARD_QUOTA_RESOURCES.contains(k) && !isQuotaHugePages(k)) {
                e.invalid(kp, k, "must be a standard resource for quota");
            }
            Optional<BigDecimal> q = PodValidation.quantity(e, list.get(k), kp);
            if (q.isEmpty()) {
                continue;
            }
            if (q.get().signum() < 0) {
                e.invalid(kp, Quantities.canonical(PodValidation.quantityText(list.get(k))),
                        "must be greater than or equal to 0");
            }
            if ((INTEGER_RESOURCES.contains(k) || isExtended(k)) && q.get().stripTrailingZeros().scale() > 0) {
                e.invalid(kp, Quantities.canonical(PodValidation.quantityText(list.get(k))), "must be an integer");
            }
        }
        return names;
    }

    /** Go's {@code %#v} of {@code []core.ResourceQuotaScope}. */
    private static GoValues.Literal scopesValue(JsonNode scopes) {
        List<String> quoted = new ArrayList<>();
        MetaValidation.stringsOf(scopes).forEach(s -> quoted.add(GoValues.quote(s)));
        return new GoValues.Literal(quoted.isEmpty() ? "[]core.ResourceQuotaScope(nil)"
                : "[]core.ResourceQuotaScope{" + String.join(", ", quoted) + "}");
    }

    private static List<String> fieldNames(ObjectNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
