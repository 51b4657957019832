package dev.keelson.controllermanager.cronjob;

import dev.keelson.componentbase.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Kubernetes' mostRecentScheduleTime: the latest scheduled time in (earliest, now] and how many were missed. The
 * walk is bounded: after a few hundred steps it jumps, as Kubernetes does, by whole intervals between two schedules.
 */
final class Schedules {
    /** Kubernetes warns (TooManyMissedTimes) above this many missed start times. */
    static final int MANY_MISSED = 100;
    private static final int MAX_STEPS = 500;

    record Recent(Instant time, long missed) {
    }

    private Schedules() {
    }

    static Optional<Recent> mostRecent(CronSchedule schedule, ZoneId zone, Instant earliest, Instant now) {
        Optional<Instant> t = schedule.next(earliest, zone);
        if (t.isEmpty() || t.get().isAfter(now)) {
            return Optional.empty();
        }
        Instant last = t.get();
        long count = 1;
        for (int i = 0; i < MAX_STEPS; i++) {
            Optional<Instant> n = schedule.next(last, zone);
            if (n.isEmpty() || n.get().isAfter(now)) {
                return Optional.of(new Recent(last, count));
            }
            last = n.get();
            count++;
        }
        // far behind: estimate the count from the interval between two schedules, then find the last one exactly
        Instant t2 = schedule.next(last, zone).orElse(now);
        long interval = Math.max(1, Duration.between(last, t2).getSeconds());
        count += Duration.between(last, now).getSeconds() / interval;
        Instant from = now.minusSeconds(2 * interval);
        Instant found = last;
        for (int i = 0; i < MAX_STEPS; i++) {
            Optional<Instant> n = schedule.next(from, zone);
            if (n.isEmpty() || n.get().isAfter(now)) {
                break;
            }
            found = n.get();
            from = found;
        }
        return Optional.of(new Recent(found, count));
    }
}
