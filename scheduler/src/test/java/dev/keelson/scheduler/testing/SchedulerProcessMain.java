package dev.keelson.scheduler.testing;

import dev.keelson.scheduler.SchedulerCommand;
import picocli.CommandLine;

/** Runs `keelson scheduler` in a JVM of its own for tests that stop it with a signal, as a user's process would be. */
public final class SchedulerProcessMain {
    private SchedulerProcessMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SchedulerCommand()).execute(args));
    }
}
