package dev.keelson.apiserver.printers;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The columns of printers.go for batch/v1: printJob and printCronJob. */
public final class BatchPrinters {
    private static final String SELECTOR_DOC = "A label query over pods that should match the pod count. Normally, the "
            + "system sets this field for you. More info: "
            + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

    private BatchPrinters() {
    }

    /** printJob: STATUS from the conditions, COMPLETIONS succeeded/completions, DURATION start to completion (or now). */
    public static final TablePrinter JOBS = TablePrinter.of(List.of(
            nameCol(), col("Status", "string", "", 0, "Status of the job."),
            col("Completions", "string", "", 0, "The number of pods which reached phase Succeeded. The value "
                    + "increases monotonically for a given spec. However, it may decrease in reaction to scale down of "
                    + "elastic indexed jobs."),
            col("Duration", "string", "", 0, "Time required to complete the job."),
            ageCol(),
            col("Containers", "string", "", 1, "Names of each container in the template."),
            col("Images", "string", "", 1, "Images referenced by each container in the template."),
            col("Selector", "string", "", 1, SELECTOR_DOC)),
            (o, now) -> List.of(name(o), jobStatus(o), completions(o), duration(o, now), age(o, now),
                    join(o.at("/spec/template/spec/containers"), "name"),
                    join(o.at("/spec/template/spec/containers"), "image"), Format.selector(o.at("/spec/selector"))));

    /** printCronJob. */
    public static final TablePrinter CRON_JOBS = TablePrinter.of(List.of(
            nameCol(), col("Schedule", "string", "", 0, "The schedule in Cron format, see "
                    + "https://en.wikipedia.org/wiki/Cron."),
            col("Timezone", "string", "", 0, "The time zone name for the given schedule, see "
                    + "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
            col("Suspend", "boolean", "", 0, "This flag tells the controller to suspend subsequent executions, it "
                    + "does not apply to already started executions.  Defaults to false."),
            col("Active", "integer", "", 0, "A list of pointers to currently running jobs."),
            col("Last Schedule", "string", "", 0, "Information when was the last time the job was successfully "
                    + "scheduled."),
            ageCol(),
            col("Containers", "string", "", 1, "Names of each container in the template."),
            col("Images", "string", "", 1, "Images referenced by each container in the template."),
            col("Selector", "string", "", 1, SELECTOR_DOC)),
            (o, now) -> List.of(name(o), o.at("/spec/schedule").asText(""),
                    o.at("/spec/timeZone").isTextual() ? o.at("/spec/timeZone").asText() : "<none>",
                    o.at("/spec/suspend").isBoolean() ? (o.at("/spec/suspend").asBoolean() ? "True" : "False") : "<unset>",
                    o.at("/status/active").size(),
                    o.at("/status/lastScheduleTime").isTextual() ? Format.since(o.at("/status/lastScheduleTime"), now)
                            : "<none>",
                    age(o, now),
                    join(o.at("/spec/jobTemplate/spec/template/spec/containers"), "name"),
                    join(o.at("/spec/jobTemplate/spec/template/spec/containers"), "image"),
                    Format.selector(o.at("/spec/jobTemplate/spec/selector"))));

    private static boolean hasCondition(JsonNode o, String type) {
        for (JsonNode c : o.at("/status/conditions")) {
            if (type.equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    static String jobStatus(JsonNode o) {
        if (hasCondition(o, "Complete")) {
            return "Complete";
        } else if (hasCondition(o, "Failed")) {
            return "Failed";
        } else if (o.at("/metadata/deletionTimestamp").isTextual()) {
            return "Terminating";
        } else if (hasCondition(o, "Suspended")) {
            return "Suspended";
        } else if (hasCondition(o, "FailureTarget")) {
            return "FailureTarget";
        } else if (hasCondition(o, "SuccessCriteriaMet")) {
            return "SuccessCriteriaMet";
        }
        return "Running";
    }

    static String completions(JsonNode o) {
        int succeeded = o.at("/status/succeeded").asInt(0);
        if (o.at("/spec/completions").isNumber()) {
            return succeeded + "/" + o.at("/spec/completions").asInt();
        }
        int parallelism = o.at("/spec/parallelism").asInt(0);
        return parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
    }

    static String duration(JsonNode o, Instant now) {
        Instant start = Format.parseTime(o.at("/status/startTime"));
        if (start == null) {
            return "";
        }
        Instant end = Format.parseTime(o.at("/status/completionTime"));
        return Format.humanDuration(Duration.between(start, end == null ? now : end));
    }

    private static String join(JsonNode containers, String field) {
        List<String> out = new ArrayList<>();
        containers.forEach(c -> out.add(c.path(field).asText()));
        return String.join(",", out);
    }
}
