package dev.keelson.apiserver.auth;

import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who is calling: a client certificate signed by the cluster CA (CN = user, O = groups; the TLS layer has
 * verified the chain), a bearer token from the static token file ({@code token,user,uid,"group1,group2"}), a
 * service-account token ({@link ServiceAccountTokenAuthenticator}) or a bootstrap token
 * ({@link BootstrapTokenAuthenticator}).
 */
public final class Authenticator {
    /** An authenticated caller. */
    public record User(String name, List<String> groups) {}

    /** Who an unauthenticated request is, as kube-apiserver's anonymous authenticator names it. */
    public static final User ANONYMOUS = new User("system:anonymous", List.of("system:unauthenticated"));

    private final Map<String, User> tokens;
    /**
     * Users of the client certificates seen so far (a certificate's subject never changes, and parsing it was a
     * visible part of every request's cost); bounded by the number of distinct client certificates, which is small
     * (cleared should it ever pass 10,000).
     */
    private final Map<X509Certificate, User> byCertificate = new java.util.concurrent.ConcurrentHashMap<>();

    private final BootstrapTokenAuthenticator bootstrapTokens;
    private final ServiceAccountTokenAuthenticator serviceAccountTokens;

    public Authenticator(Path tokenFile) {
        this(tokenFile, null);
    }

    /** With {@code bootstrapTokens}, bearer tokens not in the token file may be bootstrap tokens. */
    public Authenticator(Path tokenFile, BootstrapTokenAuthenticator bootstrapTokens) {
        this(tokenFile, bootstrapTokens, null);
    }

    /** With {@code serviceAccountTokens}, bearer tokens may also be service-account JWTs. */
    public Authenticator(Path tokenFile, BootstrapTokenAuthenticator bootstrapTokens,
                         ServiceAccountTokenAuthenticator serviceAccountTokens) {
        this.tokens = tokenFile == null ? Map.of() : readTokens(tokenFile);
        this.bootstrapTokens = bootstrapTokens;
        this.serviceAccountTokens = serviceAccountTokens;
    }

    static Map<String, User> readTokens(Path file) {
        Map<String, User> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String l = line.trim();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                List<String> cols = csv(l);
                if (cols.size() < 3) {
                    throw new IllegalArgumentException("token file " + file + ": line needs token,user,uid: " + l);
                }
                List<String> groups = new ArrayList<>();
                if (cols.size() > 3) {
                    for (String g : cols.get(3).split(",")) {
                        if (!g.isBlank()) {
                            groups.add(g.trim());
                        }
                    }
                }
                groups.add("system:authenticated");
                out.put(cols.get(0), new User(cols.get(1), List.copyOf(groups)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + file, e);
        }
        return out;
    }

    private static List<String> csv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }

    /** The caller, or null when the request carries no valid credentials. */
    public User authenticate(HttpServerRequest request) {
        String auth = request.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String bearer = auth.substring(7).trim();
            User user = tokens.get(bearer);
            if (user == null && serviceAccountTokens != null) {
                user = serviceAccountTokens.authenticate(bearer);
            }
            return user != null || bootstrapTokens == null ? user : bootstrapTokens.authenticate(bearer);
        }
        try {
            if (request.isSSL()) {
                List<Certificate> chain = request.connection().peerCertificates();
                if (chain != null && !chain.isEmpty() && chain.get(0) instanceof X509Certificate cert) {
                    if (byCertificate.size() > 10_000) {
                        byCertificate.clear();
                    }
                    return byCertificate.computeIfAbsent(cert, Authenticator::fromCertificateOrNull);
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    private static User fromCertificateOrNull(X509Certificate cert) {
        try {
            return fromCertificate(cert);
        } catch (Exception e) {
            return null;
        }
    }

    static User fromCertificate(X509Certificate cert) throws Exception {
        String cn = null;
        List<String> groups = new ArrayList<>();
        for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
            if ("CN".equalsIgnoreCase(rdn.getType())) {
                cn = rdn.getValue().toString();
            } else if ("O".equalsIgnoreCase(rdn.getType())) {
                groups.add(rdn.getValue().toString());
            }
        }
        if (cn == null) {
            return null;
        }
        groups.add("system:authenticated");
        return new User(cn, List.copyOf(groups));
    }
}
