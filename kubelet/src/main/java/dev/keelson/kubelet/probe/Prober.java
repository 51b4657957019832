package dev.keelson.kubelet.probe;

import dev.keelson.kubelet.runtime.ContainerRuntime;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Runs one probe attempt (httpGet, tcpSocket or exec) against a running container and says whether it passed. */
public final class Prober {
    /** One attempt's outcome; message explains a failure the way Unhealthy events show it. */
    public record Outcome(boolean success, String message) {}

    private final ContainerRuntime runtime;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(1)).build();

    public Prober(ContainerRuntime runtime) {
        this.runtime = runtime;
    }

    public Outcome probe(Probe probe, Container container, String containerId, String podIp) {
        int timeout = probe.getTimeoutSeconds() == null || probe.getTimeoutSeconds() < 1 ? 1 : probe.getTimeoutSeconds();
        try {
            if (probe.getHttpGet() != null) {
                var get = probe.getHttpGet();
                String host = get.getHost() == null || get.getHost().isEmpty() ? podIp : get.getHost();
                int port = resolvePort(get.getPort(), container);
                String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase();
                String path = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
                if (!path.startsWith("/")) {
                    path = "/" + path;
                }
                HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(scheme + "://" + host + ":" + port + path))
                        .timeout(Duration.ofSeconds(timeout)).header("User-Agent", "kube-probe/1.32");
                if (get.getHttpHeaders() != null) {
                    for (HTTPHeader h : get.getHttpHeaders()) {
                        req.header(h.getName(), h.getValue());
                    }
                }
                HttpResponse<Void> resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.discarding());
                int code = resp.statusCode();
                if (code >= 200 && code < 400) {
                    return new Outcome(true, null);
                }
                return new Outcome(false, "HTTP probe failed with statuscode: " + code);
            }
            if (probe.getTcpSocket() != null) {
                var tcp = probe.getTcpSocket();
                String host = tcp.getHost() == null || tcp.getHost().isEmpty() ? podIp : tcp.getHost();
                int port = resolvePort(tcp.getPort(), container);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), timeout * 1000);
                    return new Outcome(true, null);
                } catch (IOException e) {
                    return new Outcome(false, "dial tcp " + host + ":" + port + ": " + e.getMessage());
                }
            }
            if (probe.getExec() != null && probe.getExec().getCommand() != null) {
                return exec(probe.getExec().getCommand(), containerId, timeout);
            }
            if (probe.getGrpc() != null) {
                return new Outcome(false, "grpc probes are not supported by this kubelet");
            }
            return new Outcome(false, "probe has no handler");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, "probe interrupted");
        } catch (Exception e) {
            return new Outcome(false, "Get probe: " + ContainerRuntime.rootMessage(e));
        }
    }

    private Outcome exec(List<String> command, String containerId, int timeout) {
        ContainerRuntime.ExecResult result = runtime.execSync(containerId, command, Duration.ofSeconds(timeout));
        if (result.timedOut()) {
            return new Outcome(false, "command timed out after " + timeout + "s");
        }
        if (result.exitCode() != null && result.exitCode() == 0) {
            return new Outcome(true, null);
        }
        return new Outcome(false, "command " + String.join(" ", command) + " exited with " + result.exitCode()
                + (result.output().isEmpty() ? "" : ": " + result.output().trim()));
    }

    /** A probe port is a number or the name of one of the container's ports. */
    static int resolvePort(IntOrString port, Container container) {
        if (port == null) {
            throw new IllegalArgumentException("probe without a port");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        String name = port.getStrVal();
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException ignored) {
            // a named port: look it up below
        }
        if (container.getPorts() != null) {
            for (var p : container.getPorts()) {
                if (name.equals(p.getName())) {
                    return p.getContainerPort();
                }
            }
        }
        throw new IllegalArgumentException("port " + name + " is not a port of container " + container.getName());
    }
}
