package dev.keelson.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `keelson` command: one subcommand per component, plus the all-in-one server. */
@Command(name = "keelson", mixinStandardHelpOptions = true, version = "keelson 0.1.0 (Kubernetes API v1.32)",
        description = "A small-cluster container orchestrator that speaks the Kubernetes API.",
        subcommands = {ServerCommand.class, AgentCommand.class, ApiServerCommand.class, ImagesCommand.class, CommandLine.HelpCommand.class})
public final class Keelson implements Runnable {
    private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // CompletableFuture's async stages (the fabric8 and JDK HTTP clients use them) start a new thread for every
        // task when the common pool has fewer than 2 threads, which is the case on a 2-core host.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() < 4) {
            System.setProperty(COMMON_POOL_PARALLELISM, "4");
        }
        CommandLine cli = new CommandLine(new Keelson());
        Components.register(cli);
        System.exit(cli.execute(args));
    }
}
