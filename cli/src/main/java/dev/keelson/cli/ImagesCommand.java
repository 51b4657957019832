package dev.keelson.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * `keelson images`: the images the defaults and the examples use, and the airgap build that makes them from Debian
 * packages and loads them into a Docker Engine (like k3s's airgap images, but built on the host).
 */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "The container images Keelson needs, for installs without a registry (airgap).",
        subcommands = {ImagesCommand.ListImages.class, ImagesCommand.Build.class})
public final class ImagesCommand implements Runnable {
    /** What the kubelet's default sandbox, the examples and the tests run. */
    static final List<String> IMAGES = List.of("registry.k8s.io/pause:3.10", "nginx:1.22", "nginx:latest",
            "busybox:1.35", "busybox:latest");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the image names, one per line.")
    static final class ListImages implements Runnable {
        @Override
        public void run() {
            IMAGES.forEach(System.out::println);
        }
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build the images from this host's Debian packages and load them into a Docker Engine.")
    static final class Build implements Callable<Integer> {
        @Option(names = "--docker-host", description = "Docker Engine to load into, e.g. unix:///run/docker.sock. Default: the default socket.")
        String dockerHost;

        @Option(names = "--force", description = "Rebuild images that already exist.")
        boolean force;

        @Option(names = "--only", description = "Build one of: pause, nginx, busybox.")
        String only;

        @Override
        public Integer call() throws Exception {
            Path script = buildScript();
            List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
            if (dockerHost != null) {
                cmd.addAll(List.of("--docker-host", dockerHost));
            }
            if (force) {
                cmd.add("--force");
            }
            if (only != null) {
                cmd.addAll(List.of("--only", only));
            }
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }

    /** scripts/build-images.sh of this installation (keelson.home is set by the launcher). */
    static Path buildScript() {
        String home = System.getProperty("keelson.home");
        if (home == null) {
            throw new IllegalStateException("keelson.home is not set: run keelson through its bin/keelson launcher");
        }
        Path script = Path.of(home, "scripts", "build-images.sh");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no image build script at " + script);
        }
        return script;
    }
}
