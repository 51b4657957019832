package dev.keelson.componentbase.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster CA: created once under the data dir, reused on restart, and used to issue serving and client
 * certificates (identity = CN user name, O groups, as Kubernetes' x509 authenticator reads them).
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final X509Certificate certificate;
    private final PrivateKey key;

    public CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * A throwaway CA kept in memory: what a kubelet serves with until the cluster signs its serving certificate
     * (nobody trusts it, so the apiserver refuses to talk to that kubelet until then).
     */
    public static CertificateAuthority ephemeral(String name) {
        KeyPair pair = newKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        X509Certificate cert = build(subject, pair.getPublic(), subject, pair.getPrivate(), Duration.ofDays(1),
                builder -> builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true)));
        return new CertificateAuthority(cert, pair.getPrivate());
    }

    /** An existing CA (the controller-manager's signing files): it must not be made up where it is missing. */
    public static CertificateAuthority load(Path certFile, Path keyFile) {
        try {
            return new CertificateAuthority(Pem.certificate(Files.readString(certFile)),
                    Pem.privateKey(Files.readString(keyFile)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the signing CA " + certFile + " / " + keyFile, e);
        }
    }

    public static CertificateAuthority loadOrCreate(Path certFile, Path keyFile) {
        return loadOrCreate(certFile, keyFile, "keelson-ca");
    }

    /** A CA with its own name (etcd's CA is separate from the cluster's, as kubeadm makes it). */
    public static CertificateAuthority loadOrCreate(Path certFile, Path keyFile, String commonName) {
        try {
            if (Files.exists(certFile) && Files.exists(keyFile)) {
                return new CertificateAuthority(Pem.certificate(Files.readString(certFile)),
                        Pem.privateKey(Files.readString(keyFile)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KeyPair pair = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        X509Certificate cert = build(name, pair.getPublic(), name, pair.getPrivate(), Duration.ofDays(3650),
                builder -> {
                    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                    builder.addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
                });
        Pem.writePrivate(keyFile, Pem.encode(pair.getPrivate()));
        Pem.writePrivate(certFile, Pem.encode(cert));
        return new CertificateAuthority(cert, pair.getPrivate());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return Pem.encode(certificate);
    }

    /** A serving certificate for the given DNS names and IP addresses. */
    public Issued issueServing(String commonName, List<String> dnsNames, List<String> ips, Duration validity) {
        KeyPair pair = newKeyPair();
        return new Issued(servingFor(pair.getPublic(), commonName, dnsNames, ips, validity), pair);
    }

    /**
     * A certificate for both ends of a connection between peers (etcd members dial each other with it and serve it),
     * so it carries both serverAuth and clientAuth.
     */
    public Issued issuePeer(String commonName, List<String> dnsNames, List<String> ips, Duration validity) {
        KeyPair pair = newKeyPair();
        return new Issued(build(new X500Name("CN=" + commonName), pair.getPublic(), issuerName(), key, validity,
                builder -> {
                    builder.addExtension(Extension.subjectAlternativeName, false, altNames(dnsNames, ips));
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                    builder.addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                }), pair);
    }

    private static GeneralNames altNames(List<String> dnsNames, List<String> ips) {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    /** A serving certificate for a key someone else holds (a node's, from its certificate request). */
    public X509Certificate servingFor(java.security.PublicKey publicKey, String commonName, List<String> dnsNames,
                                      List<String> ips, Duration validity) {
        return servingFor(publicKey, commonName, List.of(), dnsNames, ips, validity);
    }

    /** A serving certificate whose subject also names organizations (a kubelet's: O=system:nodes). */
    public X509Certificate servingFor(java.security.PublicKey publicKey, String commonName, List<String> organizations,
                                      List<String> dnsNames, List<String> ips, Duration validity) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        organizations.forEach(g -> subject.addRDN(BCStyle.O, g));
        subject.addRDN(BCStyle.CN, commonName);
        return build(subject.build(), publicKey, issuerName(), key, capped(validity),
                builder -> {
                    builder.addExtension(Extension.subjectAlternativeName, false, altNames(dnsNames, ips));
                    builder.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                    builder.addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                });
    }

    /** A client certificate: CN is the user name, each organization a group. */
    public Issued issueClient(String user, List<String> groups, Duration validity) {
        KeyPair pair = newKeyPair();
        return new Issued(clientFor(pair.getPublic(), user, groups, validity), pair);
    }

    /** A client certificate for a key someone else holds. */
    public X509Certificate clientFor(java.security.PublicKey publicKey, String user, List<String> groups,
                                     Duration validity) {
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
        groups.forEach(g -> subject.addRDN(BCStyle.O, g));
        subject.addRDN(BCStyle.CN, user);
        return build(subject.build(), publicKey, issuerName(), key, capped(validity), builder -> {
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        });
    }

    /** Nothing the CA signs outlives the CA itself (Kubernetes' signer caps the same way). */
    private Duration capped(Duration validity) {
        Duration left = Duration.between(Instant.now(), certificate.getNotAfter().toInstant());
        return left.isNegative() || validity.compareTo(left) <= 0 ? validity : left;
    }

    private X500Name issuerName() {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    /** The host's own names and non-loopback addresses, for SANs. */
    public static List<String> hostAddresses() {
        List<String> out = new ArrayList<>();
        try {
            var ifaces = java.net.NetworkInterface.getNetworkInterfaces();
            while (ifaces.hasMoreElements()) {
                var iface = ifaces.nextElement();
                for (var addr : java.util.Collections.list(iface.getInetAddresses())) {
                    if (addr instanceof java.net.Inet4Address) {
                        out.add(addr.getHostAddress());
                    }
                }
            }
        } catch (java.net.SocketException ignored) {
            // no interfaces to add
        }
        return out;
    }

    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static X509Certificate build(X500Name subject, java.security.PublicKey publicKey, X500Name issuer,
                                         PrivateKey signingKey, Duration validity, Extensions extensions) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(127, RANDOM), Date.from(now.minus(backdate(validity))),
                    Date.from(now.plus(validity)), subject, publicKey);
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(publicKey));
            extensions.add(builder);
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(signingKey)).build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Kubernetes' signer backdates by 5 minutes for clock skew, but not certificates shorter than 8 hours: their
     * renewal deadline (70-90 % of notBefore..notAfter) would otherwise fall before they were even issued.
     */
    private static Duration backdate(Duration validity) {
        return validity.compareTo(Duration.ofHours(8)) < 0 ? Duration.ZERO : Duration.ofMinutes(5);
    }

    /**
     * An ECDSA P-256 key pair: Go's kubectl, fabric8, the JDK and Vert.x all read it as PKCS#8, and it takes
     * milliseconds where an RSA 2048 key took hundreds of them on every start (four keys per server start).
     */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return gen.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signature for a key: a CA created before keys were EC still signs with its RSA key. */
    static String signatureAlgorithm(PrivateKey signingKey) {
        return "RSA".equals(signingKey.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** An issued certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keyPair) {
        public String certificatePem() {
            return Pem.encode(certificate);
        }

        public String keyPem() {
            return Pem.encode(keyPair.getPrivate());
        }

        public void write(Path certFile, Path keyFile) {
            Pem.writePrivate(keyFile, keyPem());
            Pem.writePrivate(certFile, certificatePem());
        }
    }
}
