package dev.keelson.kubelet.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsCollectorTest {
    private static final Instant STARTED = Instant.parse("2026-12-07T10:00:00Z");

    private static ContainerRecord record(String id, String kind, String name) {
        return new ContainerRecord(id, kind, name, 0, "running", 0, false, null, STARTED, STARTED, null, "nginx", "sha256:1",
                null, Map.of(ContainerLabels.POD_UID, "uid-1", ContainerLabels.POD_NAME, "web-0",
                        ContainerLabels.POD_NAMESPACE, "shop", ContainerLabels.CONTAINER_NAME, name,
                        ContainerLabels.KIND, kind));
    }

    /** A runtime whose only answer is the running containers: the collector must not call anything else. */
    private static ContainerRuntime runtime(List<ContainerRecord> running) {
        return (ContainerRuntime) Proxy.newProxyInstance(ContainerRuntime.class.getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("runningContainers")) {
                        return running;
                    }
                    throw new AssertionError("the stats collector called the runtime's " + method.getName());
                });
    }

    @Test
    void summaryAndResourceMetricsOfAPodFromItsContainersCgroups(@TempDir Path dir) throws Exception {
        Path cg = dir.resolve("cgroup");
        StatsFixtures.write(cg.resolve("cpuacct/cpuacct.usage"), "900000000000\n");
        StatsFixtures.write(cg.resolve("memory/memory.stat"), StatsFixtures.resource("v1-memory.stat"));
        StatsFixtures.v1Container(cg, "docker", "sandbox1", 10_000_000L, 1_000_000L, 4242);
        StatsFixtures.v1Container(cg, "docker", "app1", 2_500_000_000L, 6_082_560L, 4300);
        Path proc = StatsFixtures.proc(dir.resolve("proc"), 4242);
        List<ContainerRecord> running = new ArrayList<>(List.of(record("sandbox1", ContainerLabels.KIND_SANDBOX, "POD"),
                record("app1", ContainerLabels.KIND_APP, "nginx"), record("gone1", ContainerLabels.KIND_APP, "sidecar")));
        StatsCollector collector = new StatsCollector(runtime(running), new CgroupReader(cg), proc, "node-1", dir);

        Summary first = collector.collect();
        assertTrue(first.scrapeError(), "a container without a cgroup is a scrape error");
        JsonNode json = SummaryJson.render(first);
        assertEquals("node-1", json.at("/node/nodeName").asText());
        assertEquals("2025-12-06T05:46:40Z", json.at("/node/startTime").asText(), "boot time from /proc/stat btime");
        assertEquals(900_000_000_000L, json.at("/node/cpu/usageCoreNanoSeconds").asLong());
        assertTrue(json.at("/node/cpu/usageNanoCores").isMissingNode(), "one reading gives no rate");
        long usage = (24_576_000L - 20_000_000L) * 1024;
        assertEquals(usage, json.at("/node/memory/usageBytes").asLong());
        assertEquals(usage - 1_000_000L * 1024, json.at("/node/memory/workingSetBytes").asLong());
        assertEquals("eth0", json.at("/node/network/name").asText());
        JsonNode pod = json.at("/pods/0");
        assertEquals("web-0", pod.at("/podRef/name").asText());
        assertEquals("shop", pod.at("/podRef/namespace").asText());
        assertEquals("uid-1", pod.at("/podRef/uid").asText());
        assertEquals(1, pod.at("/containers").size(), "the sandbox is no container of the summary");
        assertEquals("nginx", pod.at("/containers/0/name").asText());
        assertEquals(2_500_000_000L, pod.at("/containers/0/cpu/usageCoreNanoSeconds").asLong());
        assertEquals(6_082_560L - 1_892_352L, pod.at("/containers/0/memory/workingSetBytes").asLong());
        assertEquals(3_244_032L, pod.at("/containers/0/memory/rssBytes").asLong());
        assertEquals(2_510_000_000L, pod.at("/cpu/usageCoreNanoSeconds").asLong(), "the pod is its containers and sandbox");
        assertEquals(123456, pod.at("/network/rxBytes").asLong(), "the sandbox's network namespace");
        assertEquals(65432, pod.at("/network/txBytes").asLong());

        StatsFixtures.write(cg.resolve("cpuacct/docker/app1/cpuacct.usage"), "9000000000000\n");
        running.remove(2);
        Thread.sleep(1100);
        Summary second = collector.collect();
        assertFalse(second.scrapeError());
        long rate = SummaryJson.render(second).at("/pods/0/containers/0/cpu/usageNanoCores").asLong();
        assertTrue(rate > 0, "a second reading over a second later gives a rate, got " + rate);

        String text = ResourceMetrics.render(second);
        assertTrue(text.contains("# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n"
                + "# TYPE container_cpu_usage_seconds_total counter\n"
                + "container_cpu_usage_seconds_total{container=\"nginx\",namespace=\"shop\",pod=\"web-0\"} 9000 "), text);
        assertTrue(text.contains("container_memory_working_set_bytes{container=\"nginx\",namespace=\"shop\",pod=\"web-0\"} 4.190208e+06 "), text);
        assertTrue(text.contains("container_start_time_seconds{container=\"nginx\",namespace=\"shop\",pod=\"web-0\"} 1.7966376e+09 "), text);
        assertTrue(text.contains("\nnode_cpu_usage_seconds_total 900 "), text);
        assertTrue(text.contains("\npod_cpu_usage_seconds_total{namespace=\"shop\",pod=\"web-0\"} 9000.01 "), text);
        assertTrue(text.endsWith("# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n"), text);
    }

    @Test
    void numbersAreWrittenAsGosPrometheusClientWritesThem() {
        assertEquals("0", ResourceMetrics.goFloat(0));
        assertEquals("1.234", ResourceMetrics.goFloat(1.234));
        assertEquals("100000", ResourceMetrics.goFloat(100000));
        assertEquals("1e+06", ResourceMetrics.goFloat(1_000_000));
        assertEquals("4.190208e+06", ResourceMetrics.goFloat(4_190_208));
        assertEquals("1.2e-05", ResourceMetrics.goFloat(0.000012));
        assertEquals("0.0001", ResourceMetrics.goFloat(0.0001));
        assertEquals("-2.5", ResourceMetrics.goFloat(-2.5));
        assertEquals("1.7976931348623157e+308", ResourceMetrics.goFloat(Double.MAX_VALUE));
        assertEquals("a\\\"b\\\\c\\n", ResourceMetrics.escape("a\"b\\c\n"));
    }
}
