package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.node;
import static dev.keelson.apiserver.apiextensions.Yaml.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CustomResourcePrinterTest {
    private static final ObjectNode CERT = obj("""
            metadata: {name: web, creationTimestamp: '2026-01-01T00:00:00Z'}
            spec: {secretName: web-tls, replicas: 3, ratio: 1.5, ok: true, ports: [{name: a, port: 80}, {name: b, port: 90}]}
            status:
              conditions:
              - {type: Issuing, status: 'False'}
              - {type: Ready, status: 'True', message: Certificate is up to date}
            """);

    @Test
    void columnsFollowTheirJsonPathsAndTypes() {
        CustomResourcePrinter p = new CustomResourcePrinter(node("""
                - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
                - {name: Secret, type: string, jsonPath: .spec.secretName}
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Ratio, type: number, jsonPath: .spec.ratio}
                - {name: OK, type: boolean, jsonPath: .spec.ok}
                - {name: Last, type: integer, jsonPath: '.spec.ports[-1].port'}
                - {name: Names, type: string, jsonPath: '.spec.ports[*].name'}
                - {name: Missing, type: string, jsonPath: .spec.nothing}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp, priority: 1}
                """));
        assertEquals(List.of("Name", "Ready", "Secret", "Replicas", "Ratio", "OK", "Last", "Names", "Missing", "Age"),
                p.columnDefinitions().stream().map(c -> c.path("name").asText()).toList());
        assertEquals(1, p.columnDefinitions().get(9).path("priority").asInt());
        assertEquals(Arrays.asList("web", "True", "web-tls", 3L, 1.5, true, 90L, "a", null, "2d"),
                p.cells(CERT, Instant.parse("2026-01-03T00:00:00Z")));
    }

    @Test
    void aVersionWithoutColumnsShowsNameAndAge() {
        CustomResourcePrinter p = new CustomResourcePrinter(null);
        assertEquals(List.of("Name", "Age"), p.columnDefinitions().stream().map(c -> c.path("name").asText()).toList());
        assertEquals(List.of("web", "5m"), p.cells(CERT, Instant.parse("2026-01-01T00:05:00Z")));
    }
}
