package dev.keelson.controllermanager.certificates;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The csrapproving controller: approves (condition Approved, reason AutoApproved) a kubelet's client certificate
 * request from a bootstrap token or from the node itself, as Kubernetes' sarapprove does for the groups kubeadm binds,
 * and, unlike Kubernetes, a kubelet serving request whose names and addresses are its own node's. It denies (reason
 * AutoDenied, with an event) a bootstrap request for a node name whose Lease is live, and a serving request naming
 * the apiserver, loopback, the kubernetes Service IP, another node or an address the Node does not report.
 */
public final class CsrApprovingController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CsrApprovingController.class);
    static final String APPROVED_REASON = "AutoApproved";
    static final String DENIED_REASON = "AutoDenied";

    private final KubernetesClient client;
    private final SharedIndexInformer<CertificateSigningRequest> csrs;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Lease> leases;
    private final SharedIndexInformer<Service> services;
    private final EventRecorder events;
    private final Controller controller;
    private final Clock clock;

    public CsrApprovingController(SharedInformers informers, MeterRegistry meters, Clock clock) {
        this.client = informers.client();
        this.csrs = informers.certificateSigningRequests();
        this.nodes = informers.nodes();
        this.leases = informers.nodeLeases();
        this.services = informers.services();
        this.clock = clock;
        this.events = EventRecorder.builder("certificatesigningrequest-approving-controller").logEachEvent()
                .build(client);
        this.controller = new Controller("csrapproving", this::sync, meters);
        csrs.addEventHandler(controller.handler());
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(csrs, nodes, leases, services), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    void sync(String name) {
        CertificateSigningRequest csr = csrs.getStore().getByKey(name);
        if (csr == null || KubeletCsrs.has(csr, "Approved") || KubeletCsrs.has(csr, "Denied")
                || KubeletCsrs.issued(csr)) {
            return;
        }
        String signer = csr.getSpec().getSignerName();
        if (KubeletCsrs.KUBELET_CLIENT.equals(signer)) {
            client(csr);
        } else if (KubeletCsrs.KUBELET_SERVING.equals(signer)) {
            serving(csr);
        }
    }

    private void client(CertificateSigningRequest csr) {
        CertificateRequests.Request req = KubeletCsrs.request(csr);
        if (KubeletCsrs.clientProblem(req, KubeletCsrs.usages(csr)) != null) {
            return; // not a kubelet client request: left for a person to decide, as Kubernetes does
        }
        String user = csr.getSpec().getUsername();
        List<String> groups = groups(csr);
        if (user.equals(req.commonName()) && groups.contains(KubeletCsrs.NODES_GROUP)) {
            approve(csr, "Auto approving self kubelet client certificate after SubjectAccessReview.");
            return;
        }
        if (groups.contains(KubeletCsrs.NODES_GROUP) && user.startsWith(KubeletCsrs.NODE_PREFIX)) {
            deny(csr, "\"" + user + "\" may not ask for a client certificate of another node (\"" + req.commonName()
                    + "\")");
            return;
        }
        if (!groups.contains(KubeletCsrs.BOOTSTRAPPERS_GROUP)) {
            return;
        }
        String node = req.commonName().substring(KubeletCsrs.NODE_PREFIX.length());
        Lease lease = leases.getStore().getByKey("kube-node-lease/" + node);
        Instant renewed = renewedUntil(lease);
        if (renewed != null && renewed.isAfter(clock.instant())) {
            deny(csr, "node \"" + node + "\" has a live Lease (held until " + renewed + "): a bootstrap token cannot "
                    + "take over the name of a running node; wait until it stops renewing or delete the Node");
            return;
        }
        approve(csr, "Auto approving kubelet client certificate after SubjectAccessReview.");
    }

    private void serving(CertificateSigningRequest csr) {
        CertificateRequests.Request req = KubeletCsrs.request(csr);
        if (KubeletCsrs.servingProblem(req, KubeletCsrs.usages(csr)) != null) {
            return;
        }
        String user = csr.getSpec().getUsername();
        if (!groups(csr).contains(KubeletCsrs.NODES_GROUP) || !user.startsWith(KubeletCsrs.NODE_PREFIX)) {
            return; // only a node's own credential gets its serving certificate approved automatically
        }
        if (!user.equals(req.commonName())) {
            deny(csr, "\"" + user + "\" may not ask for a serving certificate of another node (\"" + req.commonName()
                    + "\")");
            return;
        }
        String name = req.commonName().substring(KubeletCsrs.NODE_PREFIX.length());
        Node node = nodes.getStore().getByKey(name);
        if (node == null) {
            // the kubelet asks right after registering: the Node may not be in the cache yet
            throw new IllegalStateException("node " + name + " of serving request " + csr.getMetadata().getName()
                    + " is not registered yet");
        }
        List<String> problems = servingNameProblems(req, node);
        if (!problems.isEmpty()) {
            deny(csr, "kubelet serving certificate for node \"" + name + "\" refused: " + String.join("; ", problems));
            return;
        }
        approve(csr, "Auto approving kubelet serving certificate: its names and addresses are node \"" + name
                + "\"'s own.");
    }

    /** Every name of a serving request that is not the node's own. */
    List<String> servingNameProblems(CertificateRequests.Request req, Node node) {
        String name = node.getMetadata().getName();
        List<String> dnsAllowed = new ArrayList<>(List.of(name));
        List<String> ipAllowed = new ArrayList<>();
        for (NodeAddress a : node.getStatus() == null || node.getStatus().getAddresses() == null
                ? List.<NodeAddress>of() : node.getStatus().getAddresses()) {
            switch (a.getType()) {
                case "Hostname", "InternalDNS", "ExternalDNS" -> dnsAllowed.add(a.getAddress());
                case "InternalIP", "ExternalIP" -> ipAllowed.add(canonical(a.getAddress()));
                default -> { }
            }
        }
        Set<String> otherNodes = new java.util.HashSet<>(nodes.getStore().listKeys());
        otherNodes.remove(name);
        List<String> serviceIps = kubernetesServiceIps();
        List<String> problems = new ArrayList<>();
        for (String dns : req.dnsNames()) {
            String d = dns.toLowerCase(java.util.Locale.ROOT);
            if (d.equals("localhost") || d.endsWith(".localhost")) {
                problems.add("DNS name \"" + dns + "\" is loopback");
            } else if (d.equals("kubernetes") || d.equals("kubernetes.default") || d.equals("kubernetes.default.svc")
                    || d.startsWith("kubernetes.default.svc.")) {
                problems.add("DNS name \"" + dns + "\" is the apiserver's");
            } else if (otherNodes.contains(d)) {
                problems.add("DNS name \"" + dns + "\" is another node's");
            } else if (!dnsAllowed.contains(dns)) {
                problems.add("DNS name \"" + dns + "\" is not the node's name nor one of its addresses");
            }
        }
        for (String ip : req.ipAddresses()) {
            String c = canonical(ip);
            if (loopbackOrUnspecified(c)) {
                problems.add("IP address " + ip + " is loopback");
            } else if (serviceIps.contains(c)) {
                problems.add("IP address " + ip + " is the apiserver's service IP");
            } else if (!ipAllowed.contains(c)) {
                problems.add("IP address " + ip + " is not one of the node's addresses");
            }
        }
        return problems;
    }

    private List<String> kubernetesServiceIps() {
        Service svc = services.getStore().getByKey("default/kubernetes");
        List<String> ips = new ArrayList<>();
        if (svc != null && svc.getSpec() != null) {
            if (svc.getSpec().getClusterIPs() != null) {
                svc.getSpec().getClusterIPs().forEach(ip -> ips.add(canonical(ip)));
            }
            if (svc.getSpec().getClusterIP() != null) {
                ips.add(canonical(svc.getSpec().getClusterIP()));
            }
        }
        return ips;
    }

    private static String canonical(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (Exception e) {
            return ip;
        }
    }

    private static boolean loopbackOrUnspecified(String ip) {
        try {
            InetAddress a = InetAddress.getByName(ip);
            return a.isLoopbackAddress() || a.isAnyLocalAddress();
        } catch (Exception e) {
            return true;
        }
    }

    /** When the lease runs out: renewTime (or acquireTime) plus leaseDurationSeconds; null without a lease. */
    private static Instant renewedUntil(Lease lease) {
        if (lease == null || lease.getSpec() == null) {
            return null;
        }
        ZonedDateTime renewed = lease.getSpec().getRenewTime() != null ? lease.getSpec().getRenewTime()
                : lease.getSpec().getAcquireTime();
        Integer seconds = lease.getSpec().getLeaseDurationSeconds();
        if (renewed == null) {
            return null;
        }
        return renewed.toInstant().plusSeconds(seconds == null ? 40 : seconds);
    }

    private static List<String> groups(CertificateSigningRequest csr) {
        return csr.getSpec().getGroups() == null ? List.of() : csr.getSpec().getGroups();
    }

    private void approve(CertificateSigningRequest csr, String message) {
        update(csr, "Approved", APPROVED_REASON, message);
        log.info("approved certificate signing request {} of {} ({})", csr.getMetadata().getName(),
                csr.getSpec().getUsername(), csr.getSpec().getSignerName());
    }

    private void deny(CertificateSigningRequest csr, String message) {
        update(csr, "Denied", DENIED_REASON, message);
        events.warning(csr, "CertificateDenied", message);
    }

    private void update(CertificateSigningRequest csr, String type, String reason, String message) {
        String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(clock.instant()
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        CertificateSigningRequestCondition condition = new CertificateSigningRequestConditionBuilder().withType(type)
                .withStatus("True").withReason(reason).withMessage(message).withLastUpdateTime(now).build();
        var resource = client.certificates().v1().certificateSigningRequests().withName(csr.getMetadata().getName());
        if (type.equals("Approved")) {
            resource.approve(condition);
        } else {
            resource.deny(condition);
        }
    }
}
