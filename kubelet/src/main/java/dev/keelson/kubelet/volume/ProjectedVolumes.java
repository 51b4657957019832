package dev.keelson.kubelet.volume;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Projected volumes (pkg/volume/projected): the files of serviceAccountToken, configMap, secret and downwardAPI
 * sources in one directory, written with {@link AtomicWriter} on every pod sync, so a refreshed token or a changed
 * config map reaches the container whole. This is how the ServiceAccount admission plugin's
 * {@code kube-api-access-*} volume gives a pod its token, {@code ca.crt} and namespace.
 */
public final class ProjectedVolumes {
    private final BiFunction<String, String, ConfigMap> configMaps;
    private final BiFunction<String, String, Secret> secrets;
    private final ServiceAccountTokens tokens;

    public ProjectedVolumes(BiFunction<String, String, ConfigMap> configMaps,
                            BiFunction<String, String, Secret> secrets, ServiceAccountTokens tokens) {
        this.configMaps = configMaps;
        this.secrets = secrets;
        this.tokens = tokens;
    }

    /** Writes the volume's files into {@code dir}. */
    public void write(Pod pod, String volume, ProjectedVolumeSource source, Path dir) throws IOException {
        int defaultMode = source.getDefaultMode() == null ? 0644 : source.getDefaultMode();
        Map<String, AtomicWriter.FileContent> files = new TreeMap<>();
        String ns = pod.getMetadata().getNamespace();
        for (VolumeProjection p : source.getSources() == null ? List.<VolumeProjection>of() : source.getSources()) {
            if (p.getServiceAccountToken() != null) {
                ServiceAccountTokenProjection t = p.getServiceAccountToken();
                long seconds = t.getExpirationSeconds() == null ? 3600 : t.getExpirationSeconds();
                String token = tokens.token(pod, t.getAudience(), seconds);
                files.put(t.getPath(), new AtomicWriter.FileContent(token.getBytes(StandardCharsets.UTF_8), defaultMode));
            } else if (p.getConfigMap() != null) {
                ConfigMap cm = configMaps.apply(ns, p.getConfigMap().getName());
                if (cm == null && !Boolean.TRUE.equals(p.getConfigMap().getOptional())) {
                    throw new ContainerConfigException("configmap \"" + p.getConfigMap().getName() + "\" not found");
                }
                Map<String, byte[]> data = new LinkedHashMap<>();
                if (cm != null && cm.getData() != null) {
                    cm.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
                }
                if (cm != null && cm.getBinaryData() != null) {
                    cm.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
                }
                add(files, data, p.getConfigMap().getItems(), defaultMode, cm == null,
                        "configmap " + p.getConfigMap().getName());
            } else if (p.getSecret() != null) {
                Secret s = secrets.apply(ns, p.getSecret().getName());
                if (s == null && !Boolean.TRUE.equals(p.getSecret().getOptional())) {
                    throw new ContainerConfigException("secret \"" + p.getSecret().getName() + "\" not found");
                }
                Map<String, byte[]> data = new LinkedHashMap<>();
                if (s != null && s.getData() != null) {
                    s.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
                }
                add(files, data, p.getSecret().getItems(), defaultMode, s == null, "secret " + p.getSecret().getName());
            } else if (p.getDownwardAPI() != null && p.getDownwardAPI().getItems() != null) {
                for (DownwardAPIVolumeFile f : p.getDownwardAPI().getItems()) {
                    if (f.getFieldRef() == null) {
                        throw new ContainerConfigException("volume " + volume + ": downwardAPI " + f.getPath()
                                + ": only fieldRef items are supported");
                    }
                    String value = DownwardApi.field(pod, f.getFieldRef().getFieldPath());
                    files.put(f.getPath(), new AtomicWriter.FileContent(value.getBytes(StandardCharsets.UTF_8),
                            f.getMode() == null ? defaultMode : f.getMode()));
                }
            }
        }
        AtomicWriter.write(dir, files);
    }

    private static void add(Map<String, AtomicWriter.FileContent> files, Map<String, byte[]> data,
                            List<KeyToPath> items, int defaultMode, boolean absent, String what) {
        if (items == null || items.isEmpty()) {
            data.forEach((k, v) -> files.put(k, new AtomicWriter.FileContent(v, defaultMode)));
            return;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                if (absent) {
                    continue;
                }
                throw new ContainerConfigException(what + " has no key " + item.getKey());
            }
            files.put(item.getPath(), new AtomicWriter.FileContent(value, item.getMode() == null ? defaultMode
                    : item.getMode()));
        }
    }

    /** Forgets what it kept for a pod that is gone. */
    public void forget(String podUid) {
        tokens.forget(podUid);
    }
}
