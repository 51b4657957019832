package dev.keelson.apiserver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsStoreTest {
    private static String scrape(double cpu, long time, double start) {
        return "# HELP x\nnode_cpu_usage_seconds_total " + cpu + " " + time + "\n"
                + "node_memory_working_set_bytes 1.048576e+06 " + time + "\n"
                + "container_cpu_usage_seconds_total{container=\"c\",namespace=\"ns\",pod=\"p\"} " + cpu + " " + time + "\n"
                + "container_memory_working_set_bytes{container=\"c\",namespace=\"ns\",pod=\"p\"} 2048 " + time + "\n"
                + "container_start_time_seconds{container=\"c\",namespace=\"ns\",pod=\"p\"} " + start + " " + time + "\n"
                + "container_cpu_usage_seconds_total{container=\"lonely\",namespace=\"ns\",pod=\"q\"} 1 " + time + "\n"
                + "broken{container=\"c\" 12\n" + "negative -1 5\n" + "\n";
    }

    @Test
    void usageIsTheRateBetweenTheLastTwoScrapes() {
        MetricsStore store = new MetricsStore();
        store.put("n", KubeletResourceMetrics.parse(scrape(10, 1_000, 1)));
        assertNull(store.node("n"), "one scrape gives no rate");
        assertNull(store.pod("n", "ns", "p"));
        store.put("n", KubeletResourceMetrics.parse(scrape(13, 16_000, 1)));
        assertEquals(new MetricsStore.Usage(200_000_000L, 1_048_576L, 16_000, 15_000), store.node("n"));
        assertEquals(Map.of("c", new MetricsStore.Usage(200_000_000L, 2048, 16_000, 15_000)), store.pod("n", "ns", "p"));
        assertNull(store.pod("n", "ns", "q"), "a container with no memory sample is left out");
        store.put("n", KubeletResourceMetrics.parse(scrape(1, 31_000, 2)));
        assertNull(store.pod("n", "ns", "p"), "restarted: a new start time and a counter that went back");
        assertNull(store.node("n"));
        store.forget("n");
        assertNull(store.node("n"));
    }

    @Test
    void quantitiesAndDurationsAreWrittenAsKubernetesWritesThem() {
        assertEquals("0", Quantities.nanoCores(0));
        assertEquals("500m", Quantities.nanoCores(500_000_000));
        assertEquals("2", Quantities.nanoCores(2_000_000_000));
        assertEquals("12u", Quantities.nanoCores(12_000));
        assertEquals("123456789n", Quantities.nanoCores(123_456_789));
        assertEquals("100Mi", Quantities.bytes(104_857_600));
        assertEquals("4092Ki", Quantities.bytes(4_190_208));
        assertEquals("4190209", Quantities.bytes(4_190_209));
        assertEquals("0.5", String.valueOf(Quantities.parseCores("500m")));
        assertEquals("15.023s", MetricsApi.goDuration(15_023));
        assertEquals("1m0.5s", MetricsApi.goDuration(60_500));
        assertEquals("20s", MetricsApi.goDuration(20_000));
    }
}
