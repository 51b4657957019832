package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining nodes with a token: the server's join token ({@code K1<sha256 of the CA>::<secret>}) lets an agent check
 * the cluster CA it downloads ({@code GET /keelson/v1/ca.crt}, anonymous) and then have its own keys certified
 * ({@code POST /keelson/v1/node-certificates} with the secret as bearer token): a client certificate for
 * system:node:NAME in system:nodes and a kubelet serving certificate. Nothing is copied by hand but the token.
 */
public final class NodeBootstrap {
    public static final String CA_PATH = "/keelson/v1/ca.crt";
    public static final String CERTIFICATES_PATH = "/keelson/v1/node-certificates";
    private static final Logger LOG = LoggerFactory.getLogger(NodeBootstrap.class);
    private static final Duration VALIDITY = Duration.ofDays(365);
    private static final String NODE_NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

    private final CertificateAuthority ca;
    private final byte[] secret;

    private NodeBootstrap(CertificateAuthority ca, String secret) {
        this.ca = ca;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the join token file, or writes a new one (0600) for this CA; an existing token keeps working. */
    public static NodeBootstrap loadOrCreate(CertificateAuthority ca, Path tokenFile) {
        String fingerprint = CertificateRequests.fingerprint(ca.certificate());
        try {
            if (Files.exists(tokenFile)) {
                Token token = Token.parse(Files.readString(tokenFile).trim());
                if (!token.caFingerprint().equals(fingerprint)) {
                    throw new IllegalStateException(tokenFile + " was made for another cluster CA; remove it to make a new one");
                }
                return new NodeBootstrap(ca, token.secret());
            }
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            Token token = new Token(fingerprint, HexFormat.of().formatHex(random));
            Pem.writePrivate(tokenFile, token + "\n");
            return new NodeBootstrap(ca, token.secret());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A join token: the CA's fingerprint (so the agent can trust what it downloads) and the shared secret. */
    public record Token(String caFingerprint, String secret) {
        public static Token parse(String text) {
            String t = text.trim();
            int sep = t.indexOf("::");
            if (!t.startsWith("K1") || sep < 0 || t.length() == sep + 2) {
                throw new IllegalArgumentException("a join token looks like K1<sha256 of the CA>::<secret>");
            }
            return new Token(t.substring(2, sep), t.substring(sep + 2));
        }

        @Override
        public String toString() {
            return "K1" + caFingerprint + "::" + secret;
        }
    }

    public String caPem() {
        return ca.certificatePem();
    }

    /** True when the request's bearer token is the join secret (compared in constant time). */
    public boolean authorized(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, secret);
    }

    /**
     * Certifies a node's keys. Body: {@code nodeName}, {@code clientRequest} and {@code servingRequest} (PEM
     * PKCS#10), {@code addresses} (IPs and DNS names for the serving certificate). The subjects come from the node
     * name, never from the requests.
     */
    public ObjectNode certify(JsonNode body) {
        String node = body.path("nodeName").asText("");
        List<FieldError> errors = new ArrayList<>();
        if (!node.matches(NODE_NAME) || node.length() > 253) {
            errors.add(new FieldError("FieldValueInvalid", "nodeName",
                    "Invalid value: \"" + node + "\": a lowercase RFC 1123 subdomain must consist of lower case "
                            + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }
        PublicKey client = key(body, "clientRequest", errors);
        PublicKey serving = key(body, "servingRequest", errors);
        List<String> ips = new ArrayList<>();
        List<String> dns = new ArrayList<>(List.of(node));
        for (JsonNode a : body.path("addresses")) {
            String address = a.asText();
            if (address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                ips.add(address);
            } else if (address.matches(NODE_NAME)) {
                if (!dns.contains(address)) {
                    dns.add(address);
                }
            } else {
                errors.add(new FieldError("FieldValueInvalid", "addresses",
                        "Invalid value: \"" + address + "\": must be an IPv4 address or a DNS name"));
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid("keelson.dev", "NodeCertificateRequest", node, errors);
        }
        String user = "system:node:" + node;
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("apiVersion", "keelson.dev/v1");
        out.put("kind", "NodeCertificates");
        out.put("nodeName", node);
        out.put("clientCertificate", Pem.encode(ca.clientFor(client, user, List.of("system:nodes"), VALIDITY)));
        out.put("servingCertificate", Pem.encode(ca.servingFor(serving, user, dns, ips, VALIDITY)));
        out.put("certificateAuthority", ca.certificatePem());
        LOG.info("issued client and serving certificates for node {} (addresses {} {})", node, ips, dns);
        return out;
    }

    private static PublicKey key(JsonNode body, String field, List<FieldError> errors) {
        try {
            return CertificateRequests.verifiedPublicKey(body.path(field).asText(""));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("FieldValueInvalid", field, "Invalid value: " + e.getMessage()));
            return null;
        }
    }
}
