package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's join token, {@code K1<sha256 of the CA>::<bootstrap token>}: the fingerprint lets an agent check the
 * cluster CA it downloads ({@code GET /keelson/v1/ca.crt}, anonymous), the bootstrap token ({@link BootstrapToken})
 * lets it ask for a node client certificate through a CertificateSigningRequest. The server's default token is
 * written to {@code <data-dir>/node-token} with its Secret (no expiry) on first start.
 */
public final class NodeBootstrap {
    public static final String CA_PATH = "/keelson/v1/ca.crt";
    private static final Logger LOG = LoggerFactory.getLogger(NodeBootstrap.class);

    private final CertificateAuthority ca;
    private final Token token;
    private final boolean created;

    private NodeBootstrap(CertificateAuthority ca, Token token, boolean created) {
        this.ca = ca;
        this.token = token;
        this.created = created;
    }

    /**
     * Reads the join token file, or writes a new one (0600) for this CA. A token of an earlier version (a 32-hex-digit
     * secret) is rewritten in the bootstrap token form it maps to, so agents holding the old text still join.
     */
    public static NodeBootstrap loadOrCreate(CertificateAuthority ca, Path tokenFile) {
        String fingerprint = CertificateRequests.fingerprint(ca.certificate());
        try {
            if (Files.exists(tokenFile)) {
                Token token = Token.parse(Files.readString(tokenFile).trim());
                if (!token.caFingerprint().equals(fingerprint)) {
                    throw new IllegalStateException(tokenFile + " was made for another cluster CA; remove it to make a new one");
                }
                if (BootstrapToken.parse(token.secret()) != null) {
                    return new NodeBootstrap(ca, token, false);
                }
                Token converted = new Token(fingerprint, token.bootstrapToken().toString());
                Pem.writePrivate(tokenFile, converted + "\n");
                LOG.info("join token {} rewritten as a bootstrap token (the old text keeps working)", tokenFile);
                return new NodeBootstrap(ca, converted, true);
            }
            Token token = new Token(fingerprint, BootstrapToken.generate().toString());
            Pem.writePrivate(tokenFile, token + "\n");
            return new NodeBootstrap(ca, token, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A join token: the CA's fingerprint (so the agent can trust what it downloads) and a bootstrap token. */
    public record Token(String caFingerprint, String secret) {
        private static final Pattern LEGACY = Pattern.compile("[0-9a-f]{32}");

        public static Token parse(String text) {
            String t = text.trim();
            int sep = t.indexOf("::");
            if (!t.startsWith("K1") || sep < 0 || t.length() == sep + 2) {
                throw new IllegalArgumentException("a join token looks like K1<sha256 of the CA>::<token id>.<token secret>");
            }
            Token token = new Token(t.substring(2, sep), t.substring(sep + 2));
            if (BootstrapToken.parse(token.secret()) == null && !LEGACY.matcher(token.secret()).matches()) {
                throw new IllegalArgumentException("the secret part of a join token is a bootstrap token "
                        + "([a-z0-9]{6}.[a-z0-9]{16})");
            }
            return token;
        }

        /** The bootstrap token; an earlier version's 32 hex digits map to id = the first 6, secret = the next 16. */
        public BootstrapToken bootstrapToken() {
            BootstrapToken t = BootstrapToken.parse(secret);
            return t != null ? t : new BootstrapToken(secret.substring(0, 6), secret.substring(6, 22));
        }

        @Override
        public String toString() {
            return "K1" + caFingerprint + "::" + secret;
        }
    }

    /**
     * The Secret of the default token when the token file was just written (first start, or converted from an
     * earlier version), else null: a default token deleted with {@code keelson token delete} stays revoked.
     */
    public ObjectNode defaultTokenSecretToCreate(Instant now) {
        if (!created) {
            return null;
        }
        return token.bootstrapToken().toSecret(null, "The default node join token of keelson server (node-token)",
                List.of(BootstrapToken.DEFAULT_NODE_TOKEN_GROUP), now);
    }

    public String caPem() {
        return ca.certificatePem();
    }
}
