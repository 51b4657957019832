package dev.keelson.componentbase.tls;

import java.io.StringReader;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** PKCS#10 certificate requests (a node proves it holds a key) and CA fingerprints (a node pins its cluster's CA). */
public final class CertificateRequests {
    private CertificateRequests() {}

    /** A PEM certificate request for {@code pair}, signed with its private key. */
    public static String create(KeyPair pair, String commonName) {
        try {
            PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=" + commonName), pair.getPublic())
                    .build(new JcaContentSignerBuilder(CertificateAuthority.signatureAlgorithm(pair.getPrivate()))
                            .build(pair.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
                pem.writeObject(csr);
            }
            return out.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a certificate request: " + e.getMessage(), e);
        }
    }

    /**
     * The public key of a PEM certificate request whose signature checks out (so its sender holds the private key).
     *
     * @throws IllegalArgumentException when the text is not such a request
     */
    public static PublicKey verifiedPublicKey(String pem) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            parsed = parser.readObject();
        } catch (Exception e) {
            throw new IllegalArgumentException("not a PEM certificate request: " + e.getMessage());
        }
        if (!(parsed instanceof PKCS10CertificationRequest csr)) {
            throw new IllegalArgumentException("not a PEM certificate request");
        }
        try {
            JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
            PublicKey key = jca.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("the certificate request's signature does not match its key");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable certificate request: " + e.getMessage());
        }
    }

    /** SHA-256 of the certificate's DER encoding, lower-case hex: what a join token pins. */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
