package dev.keelson.apiserver.auth;

import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * The key service-account tokens are signed with: {@code <pki>/sa.key} (SEC 1 EC P-256, made at the first start as the
 * rest of the PKI, so tokens are ES256) or a given {@code --service-account-signing-key-file} (EC P-256 or RSA, then
 * RS256). The key id is Kubernetes' (base64url of the SHA-256 of the public key's DER), so the JWKS document and the
 * tokens' {@code kid} header agree as on a Kubernetes cluster.
 */
public record ServiceAccountKey(PrivateKey privateKey, PublicKey publicKey, String algorithm, String keyId) {

    /** The key of {@code --service-account-signing-key-file} when given (it must exist), else the generated one. */
    public static ServiceAccountKey load(Path signingKeyFile, Path generated) {
        if (signingKeyFile == null) {
            return loadOrCreate(generated);
        }
        try {
            return of(Pem.keyPair(Files.readString(signingKeyFile)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --service-account-signing-key-file " + signingKeyFile, e);
        }
    }

    /** Loads {@code file}, creating an EC key there (owner-only) when it does not exist. */
    public static ServiceAccountKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                KeyPair pair = CertificateAuthority.newKeyPair();
                Pem.writePrivate(file, Pem.encode(pair.getPrivate()));
                Pem.writePrivate(file.resolveSibling("sa.pub"), Pem.encode(pair.getPublic()));
            }
            return of(Pem.keyPair(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the service-account key " + file, e);
        }
    }

    public static ServiceAccountKey of(KeyPair pair) {
        PublicKey pub = pair.getPublic();
        String alg;
        if (pub instanceof ECPublicKey ec) {
            if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("service-account keys must be EC P-256 or RSA");
            }
            alg = "ES256";
        } else if (pub instanceof RSAPublicKey) {
            alg = "RS256";
        } else {
            throw new IllegalArgumentException("service-account keys must be EC P-256 or RSA");
        }
        return new ServiceAccountKey(pair.getPrivate(), pub, alg, keyId(pub));
    }

    static String keyId(PublicKey key) {
        try {
            byte[] sum = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sum);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JWK of the public key, as Kubernetes serves it at /openid/v1/jwks. */
    public com.fasterxml.jackson.databind.node.ObjectNode jwk() {
        var k = dev.keelson.apiserver.Json.MAPPER.createObjectNode();
        k.put("use", "sig");
        if (publicKey instanceof ECPublicKey ec) {
            k.put("kty", "EC");
            k.put("kid", keyId);
            k.put("crv", "P-256");
            k.put("alg", algorithm);
            k.put("x", b64(ec.getW().getAffineX(), 32));
            k.put("y", b64(ec.getW().getAffineY(), 32));
        } else {
            RSAPublicKey rsa = (RSAPublicKey) publicKey;
            k.put("kty", "RSA");
            k.put("kid", keyId);
            k.put("alg", algorithm);
            k.put("n", b64(rsa.getModulus(), 0));
            k.put("e", b64(rsa.getPublicExponent(), 0));
        }
        return k;
    }

    /** Unsigned big-endian bytes, left-padded to {@code size} when given, base64url without padding. */
    private static String b64(BigInteger n, int size) {
        byte[] b = n.toByteArray();
        if (b.length > 1 && b[0] == 0) {
            b = Arrays.copyOfRange(b, 1, b.length);
        }
        if (size > b.length) {
            byte[] padded = new byte[size];
            System.arraycopy(b, 0, padded, size - b.length, b.length);
            b = padded;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
