package dev.keelson.componentbase.tls;

import java.io.StringReader;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
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
        return create(pair, commonName, List.of(), List.of(), List.of());
    }

    /**
     * A PEM certificate request for {@code pair}: subject CN and O (one per organization), and, when given, the DNS
     * names and IP addresses of a serving certificate as a subjectAltName extension request.
     */
    public static String create(KeyPair pair, String commonName, List<String> organizations, List<String> dnsNames,
                                List<String> ips) {
        try {
            X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
            organizations.forEach(o -> subject.addRDN(BCStyle.O, o));
            subject.addRDN(BCStyle.CN, commonName);
            var builder = new JcaPKCS10CertificationRequestBuilder(subject.build(), pair.getPublic());
            if (!dnsNames.isEmpty() || !ips.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
                ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            PKCS10CertificationRequest csr = builder.build(new JcaContentSignerBuilder(CertificateAuthority.signatureAlgorithm(pair.getPrivate()))
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

    /** What a certificate request asks for, read from a request whose signature checked out. */
    public record Request(String commonName, List<String> organizations, List<String> dnsNames,
                          List<String> ipAddresses, List<String> emailAddresses, List<String> uris,
                          PublicKey publicKey) {}

    /**
     * Parses a PEM certificate request (Kubernetes' {@code ParseCSR} and {@code CheckSignature}): one
     * {@code CERTIFICATE REQUEST} block whose signature matches its key.
     *
     * @throws IllegalArgumentException with Kubernetes' message when it is not such a request
     */
    public static Request parse(String pem) {
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            parsed = parser.readObject();
        } catch (Exception e) {
            parsed = null;
        }
        if (!(parsed instanceof PKCS10CertificationRequest csr)) {
            throw new IllegalArgumentException("PEM block type must be CERTIFICATE REQUEST");
        }
        PublicKey key = verifiedPublicKey(pem);
        String cn = null;
        List<String> orgs = new ArrayList<>();
        for (RDN rdn : csr.getSubject().getRDNs()) {
            for (AttributeTypeAndValue v : rdn.getTypesAndValues()) {
                if (v.getType().equals(BCStyle.CN)) {
                    cn = IETFUtils.valueToString(v.getValue());
                } else if (v.getType().equals(BCStyle.O)) {
                    orgs.add(IETFUtils.valueToString(v.getValue()));
                }
            }
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions = Extensions.getInstance(value);
                GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
                if (names == null) {
                    continue;
                }
                for (GeneralName n : names.getNames()) {
                    switch (n.getTagNo()) {
                        case GeneralName.dNSName -> dns.add(DERIA5String.getInstance(n.getName()).getString());
                        case GeneralName.rfc822Name -> emails.add(DERIA5String.getInstance(n.getName()).getString());
                        case GeneralName.uniformResourceIdentifier ->
                                uris.add(DERIA5String.getInstance(n.getName()).getString());
                        case GeneralName.iPAddress -> ips.add(ipText(
                                ASN1OctetString.getInstance(n.getName()).getOctets()));
                        default -> throw new IllegalArgumentException("unsupported subjectAltName type "
                                + n.getTagNo());
                    }
                }
            }
        }
        return new Request(cn == null ? "" : cn, List.copyOf(orgs), List.copyOf(dns), List.copyOf(ips),
                List.copyOf(emails), List.copyOf(uris), key);
    }

    private static String ipText(byte[] octets) {
        try {
            return java.net.InetAddress.getByAddress(octets).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("invalid IP address in subjectAltName");
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
