package dev.keelson.controllermanager.clusterroleaggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The clusterrole-aggregation controller on a real apiserver and etcd: admin, edit and view and a user's own. */
class ClusterRoleAggregationIntegrationTest {
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(
            List.of("clusterrole-aggregation")));

    static ClusterRole waitFor(KubernetesClient client, String name, Predicate<ClusterRole> ok) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        ClusterRole r = client.rbac().clusterRoles().withName(name).get();
        while (!ok.test(r) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            r = client.rbac().clusterRoles().withName(name).get();
        }
        assertTrue(ok.test(r), "last seen: " + r);
        return r;
    }

    static boolean grants(ClusterRole r, String resource, String verb) {
        return r != null && r.getRules() != null && r.getRules().stream().anyMatch(rule ->
                rule.getResources() != null && rule.getResources().contains(resource) && rule.getVerbs().contains(verb));
    }

    @Test
    void bootstrapRolesAggregateAndFollowLabelledRoles() throws Exception {
        KubernetesClient client = fixture.client();
        // view gets system:aggregate-to-view's rules; edit gets view's and its own; admin all of them
        waitFor(client, "view", r -> grants(r, "pods", "list") && !grants(r, "pods", "create"));
        waitFor(client, "edit", r -> grants(r, "pods", "list") && grants(r, "pods", "create")
                && !grants(r, "rolebindings", "create"));
        waitFor(client, "admin", r -> grants(r, "rolebindings", "create") && grants(r, "pods", "create"));

        client.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("widgets-view")
                .addToLabels("rbac.authorization.k8s.io/aggregate-to-view", "true").endMetadata()
                .addNewRule().withApiGroups("example.com").withResources("widgets").withVerbs("get", "list").endRule()
                .build()).create();
        waitFor(client, "view", r -> grants(r, "widgets", "list"));
        waitFor(client, "admin", r -> grants(r, "widgets", "list"));
        client.rbac().clusterRoles().withName("widgets-view").delete();
        ClusterRole view = waitFor(client, "view", r -> !grants(r, "widgets", "list"));
        long distinct = view.getRules().stream().distinct().count();
        assertEquals(view.getRules().size(), distinct, "each rule once");

        // a role of one's own
        client.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("mine")
                .endMetadata().withNewAggregationRule().addNewClusterRoleSelector()
                .addToMatchLabels("team", "a").endClusterRoleSelector().endAggregationRule().build()).create();
        client.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("part")
                .addToLabels("team", "a").endMetadata().addNewRule().withApiGroups("").withResources("secrets")
                .withVerbs("get").endRule().build()).create();
        ClusterRole mine = waitFor(client, "mine", r -> grants(r, "secrets", "get"));
        assertEquals(List.of(new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder().withApiGroups("")
                .withResources("secrets").withVerbs("get").build()), mine.getRules());
    }
}
