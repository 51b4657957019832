package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The pod row of printers.go printPod: READY, the STATUS reason logic, RESTARTS with the last restart's age. */
final class PodCells {
    private PodCells() {
    }

    static List<Object> cells(ObjectNode pod, Instant now) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        int restarts = 0;
        int restartableInitRestarts = 0;
        int totalContainers = spec.path("containers").size();
        int readyContainers = 0;
        Instant lastRestart = null;
        Instant lastRestartableInitRestart = null;
        String phase = status.path("phase").asText("");
        String reason = status.path("reason").asText("").isEmpty() ? phase : status.path("reason").asText();
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals("PodScheduled") && c.path("reason").asText().equals("SchedulingGated")) {
                reason = "SchedulingGated";
            }
        }
        Map<String, JsonNode> initContainers = new HashMap<>();
        for (JsonNode c : spec.path("initContainers")) {
            initContainers.put(c.path("name").asText(), c);
            if (restartable(c)) {
                totalContainers++;
            }
        }
        boolean initializing = false;
        JsonNode initStatuses = status.path("initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode cs = initStatuses.get(i);
            restarts += cs.path("restartCount").asInt(0);
            Instant finished = Format.parseTime(cs.at("/lastState/terminated/finishedAt"));
            lastRestart = later(lastRestart, finished);
            boolean restartable = restartable(initContainers.get(cs.path("name").asText()));
            if (restartable) {
                restartableInitRestarts += cs.path("restartCount").asInt(0);
                lastRestartableInitRestart = later(lastRestartableInitRestart, finished);
            }
            JsonNode terminated = cs.at("/state/terminated");
            JsonNode waiting = cs.at("/state/waiting");
            if (terminated.isObject() && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (restartable && cs.path("started").asBoolean(false)) {
                if (cs.path("ready").asBoolean(false)) {
                    readyContainers++;
                }
                continue;
            }
            if (terminated.isObject()) {
                String r = terminated.path("reason").asText("");
                if (r.isEmpty()) {
                    reason = terminated.path("signal").asInt(0) != 0
                            ? "Init:Signal:" + terminated.path("signal").asInt()
                            : "Init:ExitCode:" + terminated.path("exitCode").asInt();
                } else {
                    reason = "Init:" + r;
                }
            } else if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()
                    && !waiting.path("reason").asText().equals("PodInitializing")) {
                reason = "Init:" + waiting.path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + spec.path("initContainers").size();
            }
            initializing = true;
            break;
        }
        if (!initializing || conditionTrue(status, "Initialized")) {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            boolean hasRunning = false;
            JsonNode statuses = status.path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode cs = statuses.get(i);
                restarts += cs.path("restartCount").asInt(0);
                lastRestart = later(lastRestart, Format.parseTime(cs.at("/lastState/terminated/finishedAt")));
                JsonNode waiting = cs.at("/state/waiting");
                JsonNode terminated = cs.at("/state/terminated");
                if (waiting.isObject() && !waiting.path("reason").asText("").isEmpty()) {
                    reason = waiting.path("reason").asText();
                } else if (terminated.isObject() && !terminated.path("reason").asText("").isEmpty()) {
                    reason = terminated.path("reason").asText();
                } else if (terminated.isObject()) {
                    reason = terminated.path("signal").asInt(0) != 0
                            ? "Signal:" + terminated.path("signal").asInt()
                            : "ExitCode:" + terminated.path("exitCode").asInt();
                } else if (cs.path("ready").asBoolean(false) && cs.at("/state/running").isObject()) {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = conditionTrue(status, "Ready") ? "Running" : "NotReady";
            }
        }
        boolean deleting = pod.at("/metadata/deletionTimestamp").isTextual();
        if (deleting && status.path("reason").asText("").equals("NodeLost")) {
            reason = "Unknown";
        } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            reason = "Terminating";
        }
        String restartText = String.valueOf(restarts);
        if (restarts != 0 && lastRestart != null) {
            restartText = restarts + " (" + Format.humanDuration(Duration.between(lastRestart, now)) + " ago)";
        }
        List<Object> cells = new ArrayList<>();
        cells.add(TablePrinters.name(pod));
        cells.add(readyContainers + "/" + totalContainers);
        cells.add(reason);
        cells.add(restartText);
        cells.add(TablePrinters.age(pod, now));
        JsonNode podIps = status.path("podIPs");
        String ip = podIps.isArray() && !podIps.isEmpty() ? podIps.get(0).path("ip").asText("")
                : status.path("podIP").asText("");
        cells.add(ip.isEmpty() ? "<none>" : ip);
        cells.add(orNone(spec.path("nodeName").asText("")));
        cells.add(orNone(status.path("nominatedNodeName").asText("")));
        cells.add(readinessGates(spec, status));
        return cells;
    }

    private static String readinessGates(JsonNode spec, JsonNode status) {
        JsonNode gates = spec.path("readinessGates");
        if (!gates.isArray() || gates.isEmpty()) {
            return "<none>";
        }
        int trueConditions = 0;
        for (JsonNode gate : gates) {
            for (JsonNode c : status.path("conditions")) {
                if (c.path("type").asText().equals(gate.path("conditionType").asText())) {
                    if (c.path("status").asText().equals("True")) {
                        trueConditions++;
                    }
                    break;
                }
            }
        }
        return trueConditions + "/" + gates.size();
    }

    private static boolean restartable(JsonNode container) {
        return container != null && container.path("restartPolicy").asText("").equals("Always");
    }

    private static boolean conditionTrue(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals(type) && c.path("status").asText().equals("True")) {
                return true;
            }
        }
        return false;
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b != null && b.isAfter(a) ? b : a;
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }
}
