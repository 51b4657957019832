package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Compact JWS (RFC 7515) with ES256 or RS256, as much as service-account tokens need: sign a claim set, and parse and
 * verify one. ES256 signatures are the 64-byte r||s form JOSE uses (the JDK's P1363 format).
 */
public final class Jwt {
    /** Longer tokens are not ours (a projected token is about 1 KiB); they are refused before any decoding. */
    static final int MAX_LENGTH = 16 * 1024;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private Jwt() {}

    /** A parsed token: header, claims, the signed bytes and the signature. */
    public record Parsed(ObjectNode header, ObjectNode claims, byte[] signingInput, byte[] signature) {}

    public static String sign(ObjectNode claims, ServiceAccountKey key) {
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.put("alg", key.algorithm());
        header.put("kid", key.keyId());
        String input = ENCODER.encodeToString(Json.bytes(header)) + "." + ENCODER.encodeToString(Json.bytes(claims));
        try {
            Signature s = Signature.getInstance(jdkAlgorithm(key.algorithm()));
            s.initSign(key.privateKey());
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + ENCODER.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** The token's parts, or null when it is not a compact JWS with JSON objects for header and claims. */
    public static Parsed parse(String token) {
        if (token.length() > MAX_LENGTH) {
            return null;
        }
        int a = token.indexOf('.');
        int b = a < 0 ? -1 : token.indexOf('.', a + 1);
        if (a <= 0 || b < 0 || token.indexOf('.', b + 1) >= 0) {
            return null;
        }
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            JsonNode header = Json.MAPPER.readTree(d.decode(token.substring(0, a)));
            JsonNode claims = Json.MAPPER.readTree(d.decode(token.substring(a + 1, b)));
            if (!(header instanceof ObjectNode h) || !(claims instanceof ObjectNode c)) {
                return null;
            }
            return new Parsed(h, c, token.substring(0, b).getBytes(StandardCharsets.US_ASCII),
                    d.decode(token.substring(b + 1)));
        } catch (IllegalArgumentException | IOException e) {
            return null;
        }
    }

    /** Whether the token's {@code alg} is the key's and its signature is the key's. */
    public static boolean verify(Parsed token, ServiceAccountKey key) {
        if (!key.algorithm().equals(token.header().path("alg").asText())) {
            return false;
        }
        return verify(token.signingInput(), token.signature(), key.publicKey(), key.algorithm());
    }

    static boolean verify(byte[] input, byte[] signature, PublicKey key, String algorithm) {
        try {
            Signature s = Signature.getInstance(jdkAlgorithm(algorithm));
            s.initVerify(key);
            s.update(input);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String jdkAlgorithm(String jose) {
        return switch (jose) {
            case "ES256" -> "SHA256withECDSAinP1363Format";
            case "RS256" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported algorithm " + jose);
        };
    }
}
