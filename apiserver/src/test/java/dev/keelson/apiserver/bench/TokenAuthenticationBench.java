package dev.keelson.apiserver.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.ServiceAccountKey;
import dev.keelson.apiserver.auth.ServiceAccountTokenAuthenticator;
import dev.keelson.apiserver.auth.ServiceAccountTokenOptions;
import dev.keelson.apiserver.auth.ServiceAccountTokens;
import dev.keelson.componentbase.tls.CertificateAuthority;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Cost of authenticating one request's service-account token (the real authenticator; accounts and pods come from a
 * concurrent map, as the watch cache serves them): a token seen for the first time (ES256 signature verification),
 * a token seen before (claims, audience, expiry and the bound pod and account checked again), and a forged token
 * (signature refused). Single thread, per-call times after a warm-up. Not part of the test suite:
 * {@code mvn -o -B -pl apiserver -am test -Dtest=TokenAuthenticationBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TokenAuthenticationBench {
    static final int WARM_UP = 20_000;
    static final int CALLS = 100_000;

    @Test
    void tokenAuthenticationCostPerRequest() {
        ServiceAccountTokens issuer = new ServiceAccountTokens(ServiceAccountKey.of(CertificateAuthority.newKeyPair()),
                ServiceAccountTokenOptions.DEFAULT);
        Map<String, ObjectNode> objects = new ConcurrentHashMap<>();
        ObjectNode account = object("serviceaccounts", "bench", "robot", "sa-uid", objects);
        ObjectNode pod = object("pods", "bench", "p", "pod-uid", objects);
        ServiceAccountTokenAuthenticator auth = new ServiceAccountTokenAuthenticator(issuer,
                (resource, ns, name) -> objects.get(resource + "/" + ns + "/" + name), Clock.systemUTC());
        int n = WARM_UP + CALLS;
        List<String> fresh = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fresh.add(issuer.issue(account, new ServiceAccountTokens.Binding(pod, null, null), 3600, 0,
                    List.of(ServiceAccountTokenOptions.DEFAULT_ISSUER), Instant.now()));
        }
        String repeated = fresh.get(0);
        String forged = repeated.substring(0, repeated.length() - 8) + "AAAAAAAA";
        System.out.printf("%n%-34s %10s %10s %10s %10s%n", "token", "mean µs", "p50 µs", "p99 µs", "max µs");
        measure("first seen (signature verified)", i -> auth.authenticate(fresh.get(i)), true);
        measure("seen before (claims re-checked)", i -> auth.authenticate(repeated), true);
        measure("forged (signature refused)", i -> auth.authenticate(forged), false);
    }

    interface Call {
        Authenticator.User run(int i);
    }

    static void measure(String name, Call call, boolean expectUser) {
        for (int i = 0; i < WARM_UP; i++) {
            check(call.run(i), expectUser);
        }
        long[] nanos = new long[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long t = System.nanoTime();
            Authenticator.User u = call.run(WARM_UP + i);
            nanos[i] = System.nanoTime() - t;
            check(u, expectUser);
        }
        long sum = 0;
        for (long v : nanos) {
            sum += v;
        }
        Arrays.sort(nanos);
        System.out.printf("%-34s %10.1f %10.1f %10.1f %10.1f%n", name, sum / 1e3 / CALLS, nanos[CALLS / 2] / 1e3,
                nanos[(int) (CALLS * 0.99)] / 1e3, nanos[CALLS - 1] / 1e3);
    }

    static void check(Authenticator.User u, boolean expectUser) {
        if ((u != null) != expectUser) {
            throw new AssertionError("unexpected authentication result " + u);
        }
    }

    static ObjectNode object(String resource, String ns, String name, String uid, Map<String, ObjectNode> into) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.putObject("metadata").put("name", name).put("namespace", ns).put("uid", uid);
        into.put(resource + "/" + ns + "/" + name, o);
        return o;
    }
}
