package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.Decision;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RBAC authorizer's cost per request with the bootstrap policy plus 1,000 Roles and 1,000 RoleBindings (100
 * namespaces, 10 each, every binding naming a user and a group) and 100 ClusterRoles with a ClusterRoleBinding each:
 * nanoseconds per {@code authorize} call for an allowed request, a denied one (the caller's every binding walked) and
 * a caller bound to nothing but the bootstrap groups. Single thread, after a warm-up. Not part of the test suite:
 * {@code mvn -o -B -pl apiserver -am test -Dtest=RbacAuthorizationBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RbacAuthorizationBench {
    static final int CALLS = 400_000;

    static ObjectNode obj(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void authorizeWithAThousandRolesAndBindings() {
        RbacIndex index = new RbacIndex();
        BootstrapPolicy.Objects policy = BootstrapPolicy.load();
        policy.clusterRoles().forEach(index::putClusterRole);
        policy.clusterRoleBindings().forEach(b -> index.putBinding(b, false));
        policy.roles().forEach(index::putRole);
        policy.roleBindings().forEach(b -> index.putBinding(b, true));
        for (int n = 0; n < 100; n++) {
            for (int r = 0; r < 10; r++) {
                String ns = "ns" + n;
                index.putRole(obj("{\"metadata\":{\"namespace\":\"" + ns + "\",\"name\":\"role" + r + "\"},\"rules\":["
                        + "{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\",\"secrets\"],\"verbs\":[\"get\"]},"
                        + "{\"apiGroups\":[\"apps\"],\"resources\":[\"deployments\"],\"verbs\":[\"get\",\"list\"]},"
                        + "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\",\"watch\"]}]}"));
                index.putBinding(obj("{\"metadata\":{\"namespace\":\"" + ns + "\",\"name\":\"b" + r + "\"},"
                        + "\"roleRef\":{\"kind\":\"Role\",\"name\":\"role" + r + "\"},\"subjects\":["
                        + "{\"kind\":\"User\",\"name\":\"user" + (n * 10 + r) + "\"},"
                        + "{\"kind\":\"Group\",\"name\":\"team" + r + "\"}]}"), true);
            }
            index.putClusterRole(obj("{\"metadata\":{\"name\":\"cr" + n + "\"},\"rules\":[{\"apiGroups\":[\"batch\"],"
                    + "\"resources\":[\"jobs\"],\"verbs\":[\"get\"]}]}"));
            index.putBinding(obj("{\"metadata\":{\"name\":\"crb" + n + "\"},\"roleRef\":{\"kind\":\"ClusterRole\","
                    + "\"name\":\"cr" + n + "\"},\"subjects\":[{\"kind\":\"Group\",\"name\":\"team" + (n % 10)
                    + "\"}]}"), false);
        }
        System.out.printf("index holds %d RBAC objects%n", index.size());
        RbacAuthorizer rbac = new RbacAuthorizer(index);
        Authenticator.User user = new Authenticator.User("user523", List.of("team3", "system:authenticated"));
        Authenticator.User stranger = new Authenticator.User("nobody", List.of("system:authenticated"));
        Attributes allowed = Attributes.resource(user, "list", "", "v1", "pods", "", "ns52", "");
        Attributes denied = Attributes.resource(user, "delete", "", "v1", "pods", "", "ns52", "x");
        Attributes strangerDenied = Attributes.resource(stranger, "list", "", "v1", "pods", "", "ns52", "");
        check(rbac.authorize(allowed), Decision.Kind.ALLOW);
        check(rbac.authorize(denied), Decision.Kind.NO_OPINION);
        for (int round = 0; round < 3; round++) {
            measure("allowed (list pods, RoleBinding)", rbac, allowed);
            measure("denied (delete pod, every binding walked)", rbac, denied);
            measure("denied (user bound to nothing)", rbac, strangerDenied);
        }
    }

    static void check(Decision d, Decision.Kind want) {
        if (d.kind() != want) {
            throw new AssertionError("expected " + want + ", got " + d);
        }
    }

    static void measure(String name, RbacAuthorizer rbac, Attributes a) {
        long[] nanos = new long[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long t = System.nanoTime();
            rbac.authorize(a);
            nanos[i] = System.nanoTime() - t;
        }
        Arrays.sort(nanos);
        System.out.printf("%-45s p50 %6.2f us  p99 %6.2f us  p99.9 %7.2f us%n", name, nanos[CALLS / 2] / 1e3,
                nanos[CALLS * 99 / 100] / 1e3, nanos[CALLS * 999 / 1000] / 1e3);
    }
}
