package dev.keelson.controllermanager.certificates;

import dev.keelson.componentbase.tls.CertificateRequests;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * What the CSR controllers share: the signers, condition checks and Kubernetes' checks of a kubelet's client and
 * serving requests (pkg/apis/certificates/v1 helpers: ValidateKubeletClientCSR, ValidateKubeletServingCSR).
 */
final class KubeletCsrs {
    static final String KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
    static final String KUBELET_SERVING = "kubernetes.io/kubelet-serving";
    static final String API_CLIENT = "kubernetes.io/kube-apiserver-client";
    static final String NODE_PREFIX = "system:node:";
    static final String NODES_GROUP = "system:nodes";
    static final String BOOTSTRAPPERS_GROUP = "system:bootstrappers";
    private static final Set<String> CLIENT_USAGES = Set.of("digital signature", "client auth");
    private static final Set<String> CLIENT_USAGES_RSA = Set.of("key encipherment", "digital signature", "client auth");
    private static final Set<String> SERVING_USAGES = Set.of("digital signature", "server auth");
    private static final Set<String> SERVING_USAGES_RSA = Set.of("key encipherment", "digital signature", "server auth");

    private KubeletCsrs() {}

    static boolean has(CertificateSigningRequest csr, String type) {
        List<CertificateSigningRequestCondition> conditions = csr.getStatus() == null ? null
                : csr.getStatus().getConditions();
        return conditions != null && conditions.stream().anyMatch(c -> type.equals(c.getType()));
    }

    static boolean issued(CertificateSigningRequest csr) {
        return csr.getStatus() != null && csr.getStatus().getCertificate() != null
                && !csr.getStatus().getCertificate().isEmpty();
    }

    /** The request, parsed and signature-checked; the apiserver already refused any other. */
    static CertificateRequests.Request request(CertificateSigningRequest csr) {
        return CertificateRequests.parse(new String(Base64.getDecoder().decode(csr.getSpec().getRequest()),
                StandardCharsets.UTF_8));
    }

    static Set<String> usages(CertificateSigningRequest csr) {
        return Set.copyOf(csr.getSpec().getUsages() == null ? List.of() : csr.getSpec().getUsages());
    }

    /** Why this is not a kubelet client request, or null when it is. */
    static String clientProblem(CertificateRequests.Request req, Set<String> usages) {
        if (!req.organizations().equals(List.of(NODES_GROUP))) {
            return "subject organization is not system:nodes";
        }
        if (!req.commonName().startsWith(NODE_PREFIX)) {
            return "subject common name does not begin with system:node:";
        }
        if (!req.dnsNames().isEmpty()) {
            return "DNS subjectAltNames are not allowed";
        }
        if (!req.emailAddresses().isEmpty()) {
            return "Email subjectAltNames are not allowed";
        }
        if (!req.ipAddresses().isEmpty()) {
            return "IP subjectAltNames are not allowed";
        }
        if (!req.uris().isEmpty()) {
            return "URI subjectAltNames are not allowed";
        }
        if (!usages.equals(CLIENT_USAGES) && !usages.equals(CLIENT_USAGES_RSA)) {
            return "usages did not match [client auth digital signature key encipherment]";
        }
        return null;
    }

    /** Why this is not a kubelet serving request, or null when it is. */
    static String servingProblem(CertificateRequests.Request req, Set<String> usages) {
        if (!req.organizations().equals(List.of(NODES_GROUP))) {
            return "subject organization is not system:nodes";
        }
        if (req.dnsNames().isEmpty() && req.ipAddresses().isEmpty()) {
            return "DNS or IP subjectAltName is required";
        }
        if (!req.emailAddresses().isEmpty()) {
            return "Email subjectAltNames are not allowed";
        }
        if (!req.uris().isEmpty()) {
            return "URI subjectAltNames are not allowed";
        }
        if (!usages.equals(SERVING_USAGES) && !usages.equals(SERVING_USAGES_RSA)) {
            return "usages did not match [digital signature key encipherment server auth]";
        }
        if (!req.commonName().startsWith(NODE_PREFIX)) {
            return "subject common name does not begin with system:node:";
        }
        return null;
    }

    /** Why the request does not fit a plain API client signer (kube-apiserver-client), or null. */
    static String apiClientProblem(CertificateRequests.Request req, Set<String> usages) {
        if (!usages.contains("client auth")) {
            return "missing required usage \"client auth\"";
        }
        if (usages.contains("server auth")) {
            return "invalid usage for client certificate: server auth";
        }
        return null;
    }
}
