package dev.keelson.controllermanager.clusterroleaggregation;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' clusterrole-aggregation controller: the rules of a ClusterRole with an aggregationRule are the union
 * (each rule once, roles in name order) of the rules of the ClusterRoles its selectors match, so admin, edit and view
 * follow the system:aggregate-to-* roles and whatever a user labels {@code rbac.authorization.k8s.io/aggregate-to-*}.
 * Any ClusterRole change requeues every aggregated role.
 */
public final class ClusterRoleAggregationController implements AutoCloseable {
    private final KubernetesClient client;
    private final SharedIndexInformer<ClusterRole> roles;
    private final Controller controller;

    public ClusterRoleAggregationController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.roles = informers.clusterScoped(ClusterRole.class);
        this.controller = new Controller("clusterrole-aggregation", this::sync, meters);
        roles.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ClusterRole obj) {
                enqueueAggregated();
            }

            @Override
            public void onUpdate(ClusterRole oldObj, ClusterRole newObj) {
                enqueueAggregated();
            }

            @Override
            public void onDelete(ClusterRole obj, boolean deletedFinalStateUnknown) {
                enqueueAggregated();
            }
        });
    }

    private void enqueueAggregated() {
        for (ClusterRole r : roles.getStore().list()) {
            if (r.getAggregationRule() != null) {
                controller.enqueue(r.getMetadata().getName());
            }
        }
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(roles), Duration.ofMinutes(5));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String name) {
        ClusterRole role = roles.getStore().getByKey(name);
        if (role == null || role.getAggregationRule() == null
                || role.getAggregationRule().getClusterRoleSelectors() == null) {
            return;
        }
        List<PolicyRule> rules = aggregate(role, roles.getStore().list());
        List<PolicyRule> current = role.getRules() == null ? List.of() : role.getRules();
        if (rules.equals(current)) {
            return;
        }
        ClusterRole updated = new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder(role).withRules(rules)
                .build();
        client.rbac().clusterRoles().resource(updated).update();
    }

    /** The union of the matched roles' rules (the role itself left out), in name order, each rule once. */
    static List<PolicyRule> aggregate(ClusterRole role, List<ClusterRole> all) {
        List<ClusterRole> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(r -> r.getMetadata().getName()));
        List<PolicyRule> out = new ArrayList<>();
        for (io.fabric8.kubernetes.api.model.LabelSelector s : role.getAggregationRule().getClusterRoleSelectors()) {
            LabelSelector selector = LabelSelector.of(s);
            for (ClusterRole r : sorted) {
                if (r.getMetadata().getName().equals(role.getMetadata().getName()) || r.getRules() == null) {
                    continue;
                }
                Map<String, String> labels = r.getMetadata().getLabels() == null ? Map.of()
                        : r.getMetadata().getLabels();
                if (!selector.matches(labels)) {
                    continue;
                }
                for (PolicyRule rule : r.getRules()) {
                    if (!out.contains(rule)) {
                        out.add(rule);
                    }
                }
            }
        }
        return out;
    }
}
