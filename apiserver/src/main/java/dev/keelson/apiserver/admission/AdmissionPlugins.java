package dev.keelson.apiserver.admission;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The admission plugins this apiserver has, in kube-apiserver's order, which of them are on by default, and the chain
 * {@code --enable-admission-plugins} / {@code --disable-admission-plugins} choose (checked as kube-apiserver checks
 * them).
 */
public final class AdmissionPlugins {
    /** kube-apiserver's plugin order (AllOrderedPlugins), for the plugins implemented here. */
    private static final Map<String, Function<PluginContext, AdmissionPlugin>> ORDERED = new LinkedHashMap<>();

    static {
        ORDERED.put(NamespaceLifecycle.NAME, NamespaceLifecycle::new);
        ORDERED.put(LimitRanger.NAME, LimitRanger::new);
        ORDERED.put(ServiceAccount.NAME, ServiceAccount::new);
        ORDERED.put(NodeRestriction.NAME, NodeRestriction::new);
        ORDERED.put(AlwaysPullImages.NAME, c -> new AlwaysPullImages());
        ORDERED.put(PodSecurity.NAME, PodSecurity::new);
        ORDERED.put(DefaultTolerationSeconds.NAME, c -> new DefaultTolerationSeconds(c.notReadyTolerationSeconds(),
                c.unreachableTolerationSeconds()));
        ORDERED.put(DefaultStorageClass.NAME, DefaultStorageClass::new);
        ORDERED.put(StorageObjectInUseProtection.NAME, c -> new StorageObjectInUseProtection());
        ORDERED.put(ResourceQuota.NAME, ResourceQuota::new);
    }

    /**
     * kube-apiserver's default set (those implemented here), plus NodeRestriction, which kubeadm and k3s turn on and
     * which Keelson always applied to node identities.
     */
    public static final List<String> DEFAULT_ENABLED = List.of(NamespaceLifecycle.NAME, LimitRanger.NAME,
            NodeRestriction.NAME, PodSecurity.NAME, DefaultTolerationSeconds.NAME, DefaultStorageClass.NAME,
            StorageObjectInUseProtection.NAME, ResourceQuota.NAME);

    /** Every plugin name kube-apiserver 1.32 knows; those not implemented here may be disabled (a no-op), not enabled. */
    static final List<String> KUBERNETES_PLUGINS = List.of("AlwaysAdmit", "NamespaceAutoProvision",
            "NamespaceLifecycle", "NamespaceExists", "LimitPodHardAntiAffinityTopology", "LimitRanger",
            "ServiceAccount", "NodeRestriction", "TaintNodesByCondition", "AlwaysPullImages", "ImagePolicyWebhook",
            "PodSecurity", "PodNodeSelector", "Priority", "DefaultTolerationSeconds", "PodTolerationRestriction",
            "EventRateLimit", "ExtendedResourceToleration", "DefaultStorageClass", "StorageObjectInUseProtection",
            "OwnerReferencesPermissionEnforcement", "PersistentVolumeClaimResize", "RuntimeClass",
            "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction",
            "DefaultIngressClass", "DenyServiceExternalIPs", "PodTopologyLabels", "MutatingAdmissionPolicy",
            "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota",
            "AlwaysDeny");

    private AdmissionPlugins() {}

    /** The implemented plugins' names, in order. */
    public static List<String> implemented() {
        return List.copyOf(ORDERED.keySet());
    }

    /** The enabled plugins' names in order; throws IllegalArgumentException with kube-apiserver's message on bad flags. */
    public static List<String> enabled(List<String> enable, List<String> disable) {
        List<String> overlap = new ArrayList<>(enable);
        overlap.retainAll(disable);
        if (!overlap.isEmpty()) {
            throw new IllegalArgumentException("[" + String.join(" ", overlap)
                    + "] in enable-admission-plugins and disable-admission-plugins overlapped");
        }
        for (String p : enable) {
            if (!KUBERNETES_PLUGINS.contains(p)) {
                throw new IllegalArgumentException("enable-admission-plugins plugin \"" + p + "\" is unknown");
            }
            if (!ORDERED.containsKey(p)) {
                throw new IllegalArgumentException("enable-admission-plugins plugin \"" + p + "\" is not implemented "
                        + "by Keelson; the plugins available are " + String.join(", ", ORDERED.keySet()));
            }
        }
        for (String p : disable) {
            if (!KUBERNETES_PLUGINS.contains(p)) {
                throw new IllegalArgumentException("disable-admission-plugins plugin \"" + p + "\" is unknown");
            }
        }
        List<String> out = new ArrayList<>();
        for (String p : ORDERED.keySet()) {
            if ((DEFAULT_ENABLED.contains(p) || enable.contains(p)) && !disable.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    public static AdmissionChain chain(List<String> enable, List<String> disable, PluginContext context) {
        List<AdmissionPlugin> plugins = new ArrayList<>();
        for (String name : enabled(enable, disable)) {
            plugins.add(ORDERED.get(name).apply(context));
        }
        return new AdmissionChain(plugins);
    }
}
