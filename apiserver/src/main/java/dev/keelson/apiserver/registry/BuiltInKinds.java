package dev.keelson.apiserver.registry;

import dev.keelson.apiserver.auth.review.Reviews;
import java.util.List;

/**
 * The kinds this apiserver serves from its start, one strategy each (the strategy carries the kind's registration).
 * Adding a built-in kind is a line here; see docs/design.md.
 */
final class BuiltInKinds {
    private BuiltInKinds() {
    }

    /** In discovery order: core first, then the groups. */
    static List<Strategy> strategies(PodStrategy pods, ServiceStrategy services) {
        return withReviews(List.of(
                new NamespaceStrategy(),
                pods,
                new NodeStrategy(),
                services,
                new EndpointsStrategy(),
                new ConfigMapStrategy(),
                new SecretStrategy(),
                new EventStrategy(),
                new ServiceAccountStrategy(),
                new ReplicationControllerStrategy(),
                new PodTemplateStrategy(),
                new LimitRangeStrategy(),
                new ResourceQuotaStrategy(),
                new PersistentVolumeStrategy(),
                new PersistentVolumeClaimStrategy(),
                new DeploymentStrategy(),
                new ReplicaSetStrategy(),
                new DaemonSetStrategy(),
                new StatefulSetStrategy(),
                new ControllerRevisionStrategy(),
                new JobStrategy(),
                new CronJobStrategy(),
                new HorizontalPodAutoscalerStrategy(),
                new HorizontalPodAutoscalerV1Strategy(),
                new EndpointSliceStrategy(),
                new PodDisruptionBudgetStrategy(),
                new LeaseStrategy(),
                new EventsV1Strategy(),
                new CertificateSigningRequestStrategy(),
                new RoleStrategy(),
                new ClusterRoleStrategy(),
                new RoleBindingStrategy(),
                new ClusterRoleBindingStrategy(),
                new StorageClassStrategy()));
    }

    /** The authentication.k8s.io and authorization.k8s.io reviews, answered and never stored. */
    private static List<Strategy> withReviews(List<Strategy> stored) {
        List<Strategy> all = new java.util.ArrayList<>(stored);
        all.addAll(Reviews.authentication());
        all.addAll(Reviews.authorization());
        return List.copyOf(all);
    }

    static List<ResourceType> all(PodStrategy pods, ServiceStrategy services) {
        return strategies(pods, services).stream().map(Strategy::type).toList();
    }
}
