package dev.keelson.apiserver.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How one kind is served: group, version, names, scope, subresources, the fabric8 model class (OpenAPI schema,
 * patch strategies, unknown-field detection; null for kinds without one) and the etcd prefix. A strategy passes its
 * registration to {@link Strategy#Strategy(Registration)}; the two together are the kind's {@link ResourceType}.
 */
public record Registration(String group, String version, String kind, String plural, String singular,
                           boolean namespaced, List<String> shortNames, List<String> categories,
                           Set<String> subresources, Class<?> model, String storagePrefix, ScaleSubresource scale) {

    public Registration {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        subresources = Set.copyOf(subresources);
    }

    /** A namespaced kind of {@code apiVersion} ("v1", "apps/v1"), stored under its plural name. */
    public static Registration namespaced(String apiVersion, String kind, String plural, Class<?> model) {
        return of(apiVersion, kind, plural, true, model);
    }

    public static Registration clusterScoped(String apiVersion, String kind, String plural, Class<?> model) {
        return of(apiVersion, kind, plural, false, model);
    }

    private static Registration of(String apiVersion, String kind, String plural, boolean namespaced,
                                   Class<?> model) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        return new Registration(group, version, kind, plural, kind.toLowerCase(Locale.ROOT), namespaced, List.of(),
                List.of(), Set.of(), model, plural, null);
    }

    public Registration shortNames(String... names) {
        return new Registration(group, version, kind, plural, singular, namespaced, List.of(names), categories,
                subresources, model, storagePrefix, scale);
    }

    public Registration categories(String... names) {
        return new Registration(group, version, kind, plural, singular, namespaced, shortNames, List.of(names),
                subresources, model, storagePrefix, scale);
    }

    public Registration singular(String name) {
        return new Registration(group, version, kind, plural, name, namespaced, shortNames, categories,
                subresources, model, storagePrefix, scale);
    }

    /** Adds subresources ("status", "log", ...); "scale" comes with {@link #scale(ScaleSubresource)}. */
    public Registration subresources(String... names) {
        Set<String> all = new LinkedHashSet<>(subresources);
        all.addAll(List.of(names));
        return new Registration(group, version, kind, plural, singular, namespaced, shortNames, categories, all,
                model, storagePrefix, scale);
    }

    /** The etcd prefix below /registry/ when it is not the plural name (Kubernetes keeps "minions" for nodes). */
    public Registration storedUnder(String prefix) {
        return new Registration(group, version, kind, plural, singular, namespaced, shortNames, categories,
                subresources, model, prefix, scale);
    }

    /** Serves {@code <plural>/scale} (autoscaling/v1 Scale) over the given replica and selector fields. */
    public Registration scale(ScaleSubresource paths) {
        List<String> all = new ArrayList<>(subresources);
        all.add("scale");
        return new Registration(group, version, kind, plural, singular, namespaced, shortNames, categories,
                new LinkedHashSet<>(all), model, storagePrefix, paths);
    }

    ResourceType type(Strategy strategy) {
        return new ResourceType(group, version, kind, plural, singular, namespaced, shortNames, categories,
                subresources, model, strategy, storagePrefix, scale);
    }
}
