package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.ControllerManager;
import dev.keelson.controllermanager.ControllerManagerOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PodSecurity, LimitRanger and ResourceQuota as kubectl 1.32 prints them (errors and warnings on stderr), against the
 * apiserver on etcd with the controller-manager's resourcequota controller.
 */
class KubectlAdmissionTest {
    static TestCluster cluster;
    static KubernetesClient managerClient;
    static ControllerManager manager;
    static Path cacheDir;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start();
        managerClient = cluster.newClient();
        manager = new ControllerManager(managerClient, ControllerManagerOptions.builder().leaderElect(false)
                .bindAddress("127.0.0.1").securePort(0).controllers(List.of("resourcequota")).build());
        manager.start();
        cacheDir = Files.createTempDirectory("keelson-kubectl-cache-");
    }

    @AfterAll
    static void stop() {
        manager.close();
        managerClient.close();
        cluster.close();
    }

    record Result(int code, String out, String err) {}

    static Result kubectl(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", cluster.kubeconfig().toString(),
                "--cache-dir", cacheDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err);
    }

    static void ok(String stdin, String... args) throws Exception {
        Result r = kubectl(stdin, args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
    }

    @Test
    void podSecurityEnforceAndWarnAsKubectlPrintsThem() throws Exception {
        ok(null, "create", "namespace", "strict");
        ok(null, "label", "namespace", "strict", "pod-security.kubernetes.io/enforce=restricted");
        Result refused = kubectl(null, "run", "web", "--image=nginx", "-n", "strict");
        assertEquals(1, refused.code());
        assertEquals("Error from server (Forbidden): pods \"web\" is forbidden: violates PodSecurity "
                + "\"restricted:latest\": allowPrivilegeEscalation != false (container \"web\" must set "
                + "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"web\" must "
                + "set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"web\" "
                + "must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"web\" must set "
                + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")\n", refused.err());

        ok(null, "create", "namespace", "warned");
        ok(null, "label", "namespace", "warned", "pod-security.kubernetes.io/warn=baseline");
        Result warned = kubectl(null, "run", "root", "--image=nginx", "--privileged", "-n", "warned");
        assertEquals(0, warned.code(), warned.err());
        assertEquals("Warning: would violate PodSecurity \"baseline:latest\": privileged (container \"root\" must not "
                + "set securityContext.privileged=true)\n", warned.err());
        assertEquals("pod/root created\n", warned.out());
    }

    static final String LIMITS = """
            apiVersion: v1
            kind: LimitRange
            metadata:
              name: cpu
            spec:
              limits:
              - type: Container
                max:
                  cpu: "1"
                default:
                  cpu: 500m
            """;

    static final String BIG = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: big
            spec:
              containers:
              - name: c
                image: nginx
                resources:
                  limits:
                    cpu: "2"
            """;

    @Test
    void limitRangeDefaultsAndMaximumAsKubectlPrintsThem() throws Exception {
        ok(null, "create", "namespace", "limited");
        ok(LIMITS, "apply", "-n", "limited", "-f", "-");
        Result big = kubectl(BIG, "apply", "-n", "limited", "-f", "-");
        assertEquals(1, big.code());
        assertEquals("Error from server (Forbidden): error when creating \"STDIN\": pods \"big\" is forbidden: maximum "
                + "cpu usage per Container is 1, but limit is 2\n", big.err());
        ok(null, "run", "small", "--image=nginx", "-n", "limited");
        Result limits = kubectl(null, "get", "pod", "small", "-n", "limited", "-o",
                "jsonpath={.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.requests.cpu}");
        assertEquals("500m 500m", limits.out());
    }

    @Test
    void resourceQuotaExceededAsKubectlPrintsIt() throws Exception {
        ok(null, "create", "namespace", "quoted");
        ok(null, "create", "quota", "q", "--hard=pods=1,count/configmaps=5", "-n", "quoted");
        String used = "";
        for (int i = 0; i < 300 && !used.contains("pods"); i++) {
            used = kubectl(null, "get", "quota", "q", "-n", "quoted", "-o", "jsonpath={.status.used}").out();
            Thread.sleep(100);
        }
        assertTrue(used.contains("\"pods\":\"0\""), "the controller did not count the namespace: " + used);
        ok(null, "run", "first", "--image=nginx", "-n", "quoted");
        Result second = kubectl(null, "run", "second", "--image=nginx", "-n", "quoted");
        assertEquals(1, second.code());
        assertEquals("Error from server (Forbidden): pods \"second\" is forbidden: exceeded quota: q, requested: pods=1, "
                + "used: pods=1, limited: pods=1\n", second.err());
        Result table = kubectl(null, "get", "quota", "-n", "quoted");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("count/configmaps: 0/5, pods: 1/1"), table.out());
    }
}
