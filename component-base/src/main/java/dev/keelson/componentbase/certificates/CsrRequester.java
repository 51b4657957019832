package dev.keelson.componentbase.certificates;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the cluster for a certificate the way a kubelet does (client-go's csr.RequestCertificate and
 * WaitForCertificate): creates a CertificateSigningRequest ({@code generateName: csr-}) for a signer and waits until
 * it carries a certificate, or fails when it is denied or fails.
 */
public final class CsrRequester {
    private static final Logger LOG = LoggerFactory.getLogger(CsrRequester.class);

    private CsrRequester() {}

    /** A request the approver or signer refused: its condition's reason and message. */
    public static final class Refused extends IllegalStateException {
        private final String reason;

        Refused(String name, String type, String reason, String message) {
            super("certificate signing request " + name + " was " + type.toLowerCase() + " (" + reason + "): "
                    + message);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /**
     * Creates the request and waits up to {@code timeout} for its certificate.
     *
     * @param requestPem the PEM PKCS#10 request
     * @param expiration the validity asked for (spec.expirationSeconds), or null for the signer's default
     * @return the issued certificate chain (PEM)
     * @throws Refused when the request is denied or its signing failed
     * @throws IllegalStateException when no certificate came in time
     */
    public static String request(KubernetesClient client, String signer, String requestPem, List<String> usages,
                                 Duration expiration, Duration timeout) throws InterruptedException {
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder().withNewMetadata()
                .withGenerateName("csr-").endMetadata().withNewSpec().withSignerName(signer)
                .withRequest(Base64.getEncoder().encodeToString(requestPem.getBytes(StandardCharsets.UTF_8)))
                .withUsages(usages)
                .withExpirationSeconds(expiration == null ? null : (int) expiration.toSeconds()).endSpec().build();
        CertificateSigningRequest created = client.certificates().v1().certificateSigningRequests().resource(csr)
                .create();
        String name = created.getMetadata().getName();
        LOG.info("certificate signing request {} created for signer {}", name, signer);
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 100;
        while (true) {
            CertificateSigningRequest current = client.certificates().v1().certificateSigningRequests().withName(name)
                    .get();
            if (current == null) {
                throw new IllegalStateException("certificate signing request " + name + " disappeared");
            }
            if (current.getStatus() != null) {
                for (CertificateSigningRequestCondition c : current.getStatus().getConditions()) {
                    if ("Denied".equals(c.getType()) || "Failed".equals(c.getType())) {
                        throw new Refused(name, c.getType(), c.getReason(), c.getMessage());
                    }
                }
                String cert = current.getStatus().getCertificate();
                if (cert != null && !cert.isEmpty()) {
                    return new String(Base64.getDecoder().decode(cert), StandardCharsets.UTF_8);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("certificate signing request " + name + " got no certificate within "
                        + timeout.toSeconds() + " s (is it approved, and does a signer run for " + signer + "?)");
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 2000);
        }
    }
}
