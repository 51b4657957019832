package dev.keelson.apiserver.auth;

/**
 * What a bootstrap token's user ({@code system:bootstrap:<id>} in system:bootstrappers) may do: what Kubernetes'
 * system:node-bootstrapper and system:discovery roles grant, read and create CertificateSigningRequests and read the
 * discovery paths; everything else is denied (403). The signer such a request may name is checked with the object
 * (the kubelet client signer only, see CertificateSigningRequestStrategy). Part of the {@code Node} authorization mode,
 * in front of the Node authorizer, which answers for everyone else.
 */
public final class BootstrapAuthorizer implements Authorizer {
    public static final String KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

    private final Authorizer next;

    public BootstrapAuthorizer(Authorizer next) {
        this.next = next;
    }

    public static boolean isBootstrapper(Authenticator.User user) {
        return user != null && user.groups().contains(BootstrapToken.GROUP);
    }

    @Override
    public Decision authorize(Attributes a) {
        if (!isBootstrapper(a.user())) {
            return next.authorize(a);
        }
        if (!a.resourceRequest()) {
            String path = a.path() == null ? "" : a.path();
            boolean discovery = path.equals("/api") || path.startsWith("/api/") || path.equals("/apis")
                    || path.startsWith("/apis/") || path.equals("/openapi") || path.startsWith("/openapi/");
            return discovery && a.verb().equals("get") ? Decision.ALLOW
                    : Decision.deny("a bootstrap token may only create and read certificate signing requests");
        }
        String verb = a.verb();
        boolean csr = "certificates.k8s.io".equals(a.apiGroup()) && "certificatesigningrequests".equals(a.resource())
                && (a.subresource() == null || a.subresource().isEmpty());
        if (csr && (verb.equals("get") || verb.equals("list") || verb.equals("watch") || verb.equals("create"))) {
            return Decision.ALLOW;
        }
        return Decision.deny("a bootstrap token may only create and read certificate signing requests");
    }
}
