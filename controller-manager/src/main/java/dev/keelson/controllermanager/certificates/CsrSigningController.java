package dev.keelson.controllermanager.certificates;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The csrsigning controller: signs approved requests for the kubelet client, kubelet serving and API client signers
 * with the cluster CA (--cluster-signing-cert-file/--cluster-signing-key-file), valid for the requested
 * expirationSeconds up to --cluster-signing-duration, as Kubernetes' signer does; a request its signer does not allow
 * gets condition Failed (reason SignerValidationFailure) instead.
 */
public final class CsrSigningController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CsrSigningController.class);
    private static final Set<String> SIGNERS = Set.of(KubeletCsrs.KUBELET_CLIENT, KubeletCsrs.KUBELET_SERVING,
            KubeletCsrs.API_CLIENT);

    private final KubernetesClient client;
    private final SharedIndexInformer<CertificateSigningRequest> csrs;
    private final CertificateAuthority ca;
    private final Duration maxDuration;
    private final Clock clock;
    private final Controller controller;

    public CsrSigningController(SharedInformers informers, CertificateAuthority ca, Duration maxDuration,
                                MeterRegistry meters, Clock clock) {
        this.client = informers.client();
        this.csrs = informers.certificateSigningRequests();
        this.ca = ca;
        this.maxDuration = maxDuration;
        this.clock = clock;
        this.controller = new Controller("csrsigning", this::sync, meters);
        csrs.addEventHandler(controller.handler());
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(csrs), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String name) {
        CertificateSigningRequest csr = csrs.getStore().getByKey(name);
        if (csr == null || !SIGNERS.contains(csr.getSpec().getSignerName()) || !KubeletCsrs.has(csr, "Approved")
                || KubeletCsrs.has(csr, "Denied") || KubeletCsrs.has(csr, "Failed") || KubeletCsrs.issued(csr)) {
            return;
        }
        CertificateRequests.Request req = KubeletCsrs.request(csr);
        Set<String> usages = KubeletCsrs.usages(csr);
        String signer = csr.getSpec().getSignerName();
        String problem = switch (signer) {
            case KubeletCsrs.KUBELET_CLIENT -> KubeletCsrs.clientProblem(req, usages);
            case KubeletCsrs.KUBELET_SERVING -> KubeletCsrs.servingProblem(req, usages);
            default -> KubeletCsrs.apiClientProblem(req, usages);
        };
        CertificateSigningRequest copy = client.getKubernetesSerialization().clone(csr);
        if (copy.getStatus() == null) {
            copy.setStatus(new CertificateSigningRequestStatus());
        }
        if (problem != null) {
            String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
            CertificateSigningRequestCondition failed = new CertificateSigningRequestConditionBuilder()
                    .withType("Failed").withStatus("True").withReason("SignerValidationFailure").withMessage(problem)
                    .withLastUpdateTime(now).build();
            List<CertificateSigningRequestCondition> conditions = new ArrayList<>(copy.getStatus().getConditions());
            conditions.add(failed);
            copy.getStatus().setConditions(conditions);
            client.certificates().v1().certificateSigningRequests().resource(copy).updateStatus();
            log.warn("certificate signing request {} failed its signer's checks: {}", name, problem);
            return;
        }
        Duration validity = maxDuration;
        Integer requested = csr.getSpec().getExpirationSeconds();
        if (requested != null && Duration.ofSeconds(requested).compareTo(validity) < 0) {
            validity = Duration.ofSeconds(requested);
        }
        X509Certificate cert = KubeletCsrs.KUBELET_SERVING.equals(signer)
                ? ca.servingFor(req.publicKey(), req.commonName(), req.organizations(), req.dnsNames(),
                        req.ipAddresses(), validity)
                : ca.clientFor(req.publicKey(), req.commonName(), req.organizations(), validity);
        copy.getStatus().setCertificate(Base64.getEncoder().encodeToString(
                Pem.encode(cert).getBytes(StandardCharsets.UTF_8)));
        client.certificates().v1().certificateSigningRequests().resource(copy).updateStatus();
        log.info("signed certificate signing request {} ({} for {}, valid until {})", name, signer,
                req.commonName(), cert.getNotAfter().toInstant());
    }
}
