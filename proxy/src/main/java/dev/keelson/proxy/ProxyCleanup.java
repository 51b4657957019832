package dev.keelson.proxy;

import dev.keelson.proxy.routes.PodRoutes;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Iptables;
import java.util.List;

/** What {@code keelson proxy --cleanup} does: removes every chain, jump and route the proxy made, and nothing else. */
public final class ProxyCleanup {
    private final CommandRunner runner;

    public ProxyCleanup(List<String> commandPrefix) {
        this.runner = new CommandRunner(commandPrefix);
    }

    /** Returns the problems met (empty when everything was removed). */
    public List<String> run() {
        new Iptables(runner).removeAll();
        return new PodRoutes(runner).removeAll();
    }
}
