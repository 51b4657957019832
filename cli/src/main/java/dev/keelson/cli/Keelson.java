package dev.keelson.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `keelson` command: one subcommand per component, plus the all-in-one server. */
@Command(name = "keelson", mixinStandardHelpOptions = true, version = "keelson 0.1.0 (Kubernetes API v1.32)",
        description = "A small-cluster container orchestrator that speaks the Kubernetes API.",
        subcommands = {ServerCommand.class, AgentCommand.class, TokenCommand.class, ApiServerCommand.class,
            ImagesCommand.class, KubeconfigCommand.class, EtcdSnapshotCommand.class, SecretsEncryptCommand.class, EtcdCertsCommand.class, CommandLine.HelpCommand.class})
public final class Keelson implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Keelson());
        Components.register(cli);
        System.exit(cli.execute(args));
    }
}
