package dev.keelson.cli;

import picocli.CommandLine;

/** Registers the component subcommands that live in their own modules. */
final class Components {
    private Components() {}

    static void register(CommandLine cli) {
        for (String name : new String[] {
            "dev.keelson.scheduler.SchedulerCommand",
            "dev.keelson.controllermanager.ControllerManagerCommand",
            "dev.keelson.kubelet.KubeletCommand",
            "dev.keelson.proxy.ProxyCommand"}) {
            Class<?> command;
            try {
                command = Class.forName(name);
            } catch (ClassNotFoundException e) {
                continue; // this build does not include that component
            }
            try {
                cli.addSubcommand(command.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create " + name + ": " + e.getMessage(), e);
            }
        }
    }
}
