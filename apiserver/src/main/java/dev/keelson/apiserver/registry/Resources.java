package dev.keelson.apiserver.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The catalogue of resources this apiserver serves, with their names, scope, subresources and strategies. */
public final class Resources {
    private final List<ResourceType> all;

    public Resources(List<ResourceType> all) {
        this.all = List.copyOf(all);
    }

    public List<ResourceType> all() {
        return all;
    }

    public ResourceType find(String group, String version, String plural) {
        for (ResourceType t : all) {
            if (t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural)) {
                return t;
            }
        }
        return null;
    }

    public ResourceType byKind(String apiVersion, String kind) {
        for (ResourceType t : all) {
            if (t.apiVersion().equals(apiVersion) && t.kind().equals(kind)) {
                return t;
            }
        }
        return null;
    }

    /** Every group-version served, core first. */
    public List<String> groupVersions() {
        List<String> out = new ArrayList<>();
        for (ResourceType t : all) {
            if (!out.contains(t.groupVersion())) {
                out.add(t.groupVersion());
            }
        }
        return out;
    }

    /** The built-in resources, with the strategies that need cluster settings. */
    public static Resources builtIn(PodStrategy pods, ServiceStrategy services) {
        List<ResourceType> r = new ArrayList<>();
        r.add(type("", "v1", "Namespace", "namespaces", false, List.of("ns"), List.of(), Set.of("status", "finalize"),
                io.fabric8.kubernetes.api.model.Namespace.class, new NamespaceStrategy(), "namespaces"));
        r.add(type("", "v1", "Pod", "pods", true, List.of("po"), List.of("all"),
                Set.of("status", "binding", "eviction", "log", "exec"), io.fabric8.kubernetes.api.model.Pod.class,
                pods, "pods"));
        r.add(type("", "v1", "Node", "nodes", false, List.of("no"), List.of(), Set.of("status"),
                io.fabric8.kubernetes.api.model.Node.class, new NodeStrategy(), "minions"));
        r.add(type("", "v1", "Service", "services", true, List.of("svc"), List.of("all"), Set.of("status"),
                io.fabric8.kubernetes.api.model.Service.class, services, "services/specs"));
        r.add(type("", "v1", "Endpoints", "endpoints", true, List.of("ep"), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.Endpoints.class, new Strategy(), "services/endpoints"));
        r.add(type("", "v1", "ConfigMap", "configmaps", true, List.of("cm"), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.ConfigMap.class, new Strategy(), "configmaps"));
        r.add(type("", "v1", "Secret", "secrets", true, List.of(), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.Secret.class, new SecretStrategy(), "secrets"));
        r.add(type("", "v1", "Event", "events", true, List.of("ev"), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.Event.class, new EventStrategy(), "events"));
        r.add(type("", "v1", "ServiceAccount", "serviceaccounts", true, List.of("sa"), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.ServiceAccount.class, new Strategy(), "serviceaccounts"));
        r.add(type("apps", "v1", "Deployment", "deployments", true, List.of("deploy"), List.of("all"),
                Set.of("status", "scale"), io.fabric8.kubernetes.api.model.apps.Deployment.class, new Strategy(),
                "deployments"));
        r.add(type("apps", "v1", "ReplicaSet", "replicasets", true, List.of("rs"), List.of("all"),
                Set.of("status", "scale"), io.fabric8.kubernetes.api.model.apps.ReplicaSet.class, new Strategy(),
                "replicasets"));
        r.add(type("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, List.of(), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class, new Strategy(), "endpointslices"));
        r.add(type("coordination.k8s.io", "v1", "Lease", "leases", true, List.of(), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.coordination.v1.Lease.class, new Strategy(), "leases"));
        r.add(type("events.k8s.io", "v1", "Event", "events", true, List.of(), List.of(), Set.of(),
                io.fabric8.kubernetes.api.model.events.v1.Event.class, new Strategy(), "events.k8s.io/events"));
        return new Resources(r);
    }

    private static ResourceType type(String group, String version, String kind, String plural, boolean namespaced,
                                     List<String> shortNames, List<String> categories, Set<String> subresources,
                                     Class<?> model, Strategy strategy, String storagePrefix) {
        ResourceType t = new ResourceType(group, version, kind, plural, kind.toLowerCase(), namespaced, shortNames,
                categories, subresources, model, strategy, storagePrefix);
        strategy.bind(t);
        return t;
    }
}
