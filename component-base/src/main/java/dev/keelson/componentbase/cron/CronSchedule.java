package dev.keelson.componentbase.cron;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A CronJob schedule: standard 5-field cron (minute hour day-of-month month day-of-week, with ranges, lists, steps
 * and names) and the macros Kubernetes' cron library accepts (@yearly, @annually, @monthly, @weekly, @daily,
 * @midnight, @hourly), parsed by cron-utils with its UNIX definition, evaluated in a time zone.
 */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** The macros as the 5-field expressions robfig/cron expands them to. */
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    /** Bounds the work of a hostile expression. */
    private static final int MAX_LENGTH = 1024;

    private final String text;
    private final ExecutionTime execution;

    private CronSchedule(String text, ExecutionTime execution) {
        this.text = text;
        this.execution = execution;
    }

    /** @throws IllegalArgumentException with the parser's reason when {@code schedule} is not a valid schedule */
    public static CronSchedule parse(String schedule) {
        if (schedule == null || schedule.isBlank()) {
            throw new IllegalArgumentException("empty spec string");
        }
        if (schedule.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("schedule longer than " + MAX_LENGTH + " characters");
        }
        String trimmed = schedule.trim();
        String expr = trimmed.startsWith("@") ? MACROS.get(trimmed.toLowerCase(Locale.ROOT)) : trimmed;
        if (expr == null) {
            throw new IllegalArgumentException("unrecognized descriptor: " + trimmed);
        }
        String[] fields = expr.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("expected exactly 5 fields, found " + fields.length + ": ["
                    + String.join(" ", fields) + "]");
        }
        try {
            Cron cron = PARSER.parse(expr);
            cron.validate();
            return new CronSchedule(schedule, ExecutionTime.forCron(cron));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? "invalid schedule" : e.getMessage(), e);
        }
    }

    /**
     * The zone a CronJob's {@code timeZone} names (IANA names; UTC when null). "Local" and empty names are refused
     * as Kubernetes refuses them.
     *
     * @throws IllegalArgumentException with Kubernetes' message when the zone is not usable
     */
    public static ZoneId zone(String timeZone) {
        if (timeZone == null) {
            return ZoneOffset.UTC;
        }
        if (timeZone.isEmpty()) {
            throw new IllegalArgumentException("timeZone must be nil or non-empty string");
        }
        if (timeZone.equalsIgnoreCase("Local")) {
            throw new IllegalArgumentException("timeZone must be an explicit time zone as defined in "
                    + "https://www.iana.org/time-zones");
        }
        if (timeZone.equals("UTC")) {
            return ZoneOffset.UTC;
        }
        try {
            // region names only (Go's LoadLocation reads the tz database): no "+01:00" offsets
            if (!timeZone.matches("[A-Za-z][A-Za-z0-9_+\\-/]{0,254}")) {
                throw new DateTimeException("bad name");
            }
            return ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone " + timeZone);
        }
    }

    public String text() {
        return text;
    }

    /** The first scheduled time strictly after {@code after}, in {@code zone}; empty if there is none. */
    public Optional<Instant> next(Instant after, ZoneId zone) {
        ZonedDateTime from = after.atZone(zone).truncatedTo(ChronoUnit.SECONDS);
        return execution.nextExecution(from).map(ZonedDateTime::toInstant)
                .filter(t -> t.isAfter(after));
    }
}
