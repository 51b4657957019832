package dev.keelson.kubelet.volume;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Materialises a pod's volumes under {@code <root>/pods/<uid>/volumes/<name>} (emptyDir, configMap, secret) or on the
 * host path itself, and turns volumeMounts into Docker bind specs. ConfigMap and Secret contents are rewritten on
 * every sync, so a changed object reaches running containers.
 */
public final class VolumeManager {
    private final Path rootDir;
    private final BiFunction<String, String, ConfigMap> configMaps;
    private final BiFunction<String, String, Secret> secrets;
    private final ProjectedVolumes projected;
    private final ClaimVolumes claims;

    /** Lookups take (namespace, name) and return null when the object does not exist. */
    public VolumeManager(Path rootDir, BiFunction<String, String, ConfigMap> configMaps,
                         BiFunction<String, String, Secret> secrets) {
        this(rootDir, configMaps, secrets, null, null);
    }

    /** With {@code projected}, projected volumes (the service-account token volume among them) are served too. */
    public VolumeManager(Path rootDir, BiFunction<String, String, ConfigMap> configMaps,
                         BiFunction<String, String, Secret> secrets, ProjectedVolumes projected) {
        this(rootDir, configMaps, secrets, projected, null);
    }

    /** With {@code claims}, persistentVolumeClaim volumes are bind mounts of their bound volumes' paths. */
    public VolumeManager(Path rootDir, BiFunction<String, String, ConfigMap> configMaps,
                         BiFunction<String, String, Secret> secrets, ProjectedVolumes projected, ClaimVolumes claims) {
        this.rootDir = rootDir;
        this.configMaps = configMaps;
        this.secrets = secrets;
        this.projected = projected;
        this.claims = claims;
    }

    public Path podDir(String uid) {
        return rootDir.resolve("pods").resolve(uid);
    }

    /** Prepares every volume of the pod and returns the host path of each by volume name. */
    public Map<String, Path> prepare(Pod pod) {
        Map<String, Path> out = new HashMap<>();
        if (pod.getSpec().getVolumes() == null) {
            return out;
        }
        String ns = pod.getMetadata().getNamespace();
        Path base = podDir(pod.getMetadata().getUid()).resolve("volumes");
        for (Volume v : pod.getSpec().getVolumes()) {
            try {
                if (v.getEmptyDir() != null) {
                    Path dir = base.resolve("empty-dir").resolve(v.getName());
                    if (!Files.isDirectory(dir)) {
                        Files.createDirectories(dir);
                        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                    }
                    Long fsGroup = pod.getSpec().getSecurityContext() == null ? null
                            : pod.getSpec().getSecurityContext().getFsGroup();
                    if (fsGroup != null) {
                        FsGroupOwnership.apply(dir, fsGroup);
                    }
                    out.put(v.getName(), dir);
                } else if (v.getHostPath() != null) {
                    Path host = Path.of(v.getHostPath().getPath());
                    try {
                        HostPathType.check(host, v.getHostPath().getType());
                    } catch (VolumeMountException e) {
                        throw new VolumeMountException("MountVolume.SetUp failed for volume \"" + v.getName()
                                + "\" : " + e.getMessage());
                    }
                    out.put(v.getName(), host);
                } else if (v.getConfigMap() != null) {
                    ConfigMap cm = configMaps.apply(ns, v.getConfigMap().getName());
                    if (cm == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                        throw new ContainerConfigException("configmap \"" + v.getConfigMap().getName() + "\" not found");
                    }
                    Map<String, byte[]> data = new HashMap<>();
                    if (cm != null) {
                        if (cm.getData() != null) {
                            cm.getData().forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
                        }
                        if (cm.getBinaryData() != null) {
                            cm.getBinaryData().forEach((k, val) -> data.put(k, Base64.getDecoder().decode(val)));
                        }
                    }
                    Path dir = base.resolve("configmap").resolve(v.getName());
                    writeFiles(dir, data, v.getConfigMap().getItems(), v.getConfigMap().getDefaultMode());
                    out.put(v.getName(), dir);
                } else if (v.getSecret() != null) {
                    Secret s = secrets.apply(ns, v.getSecret().getSecretName());
                    if (s == null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                        throw new ContainerConfigException("secret \"" + v.getSecret().getSecretName() + "\" not found");
                    }
                    Map<String, byte[]> data = new HashMap<>();
                    if (s != null) {
                        if (s.getData() != null) {
                            s.getData().forEach((k, val) -> data.put(k, Base64.getDecoder().decode(val)));
                        }
                        if (s.getStringData() != null) {
                            s.getStringData().forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
                        }
                    }
                    Path dir = base.resolve("secret").resolve(v.getName());
                    writeFiles(dir, data, v.getSecret().getItems(), v.getSecret().getDefaultMode());
                    out.put(v.getName(), dir);
                } else if (v.getProjected() != null && projected != null) {
                    Path dir = base.resolve("projected").resolve(v.getName());
                    projected.write(pod, v.getName(), v.getProjected(), dir);
                    out.put(v.getName(), dir);
                } else if (v.getPersistentVolumeClaim() != null && claims != null) {
                    Path dir = claims.hostPath(pod, v);
                    Long fsGroup = pod.getSpec().getSecurityContext() == null ? null
                            : pod.getSpec().getSecurityContext().getFsGroup();
                    if (fsGroup != null && !Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly())) {
                        FsGroupOwnership.apply(dir, fsGroup);
                    }
                    out.put(v.getName(), dir);
                } else {
                    throw new ContainerConfigException("volume " + v.getName()
                            + ": only emptyDir, hostPath, configMap, secret and persistentVolumeClaim volumes are "
                            + "supported");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("preparing volume " + v.getName(), e);
            }
        }
        return out;
    }

    /** Writes each key as a file (atomically, so readers never see half a file) and removes keys that went away. */
    private static void writeFiles(Path dir, Map<String, byte[]> data, List<KeyToPath> items, Integer defaultMode)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, byte[]> files = new HashMap<>();
        if (items != null && !items.isEmpty()) {
            for (KeyToPath item : items) {
                byte[] value = data.get(item.getKey());
                if (value == null) {
                    throw new ContainerConfigException("configmap/secret has no key " + item.getKey());
                }
                files.put(item.getPath(), value);
            }
        } else {
            files.putAll(data);
        }
        Set<Path> wanted = new HashSet<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path target = dir.resolve(f.getKey()).normalize();
            if (!target.startsWith(dir) || f.getKey().startsWith("..")) {
                throw new ContainerConfigException("volume item path escapes the volume: " + f.getKey());
            }
            wanted.add(target);
            Files.createDirectories(target.getParent());
            if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), f.getValue())) {
                continue;
            }
            Path tmp = target.resolveSibling(".tmp-" + target.getFileName());
            Files.write(tmp, f.getValue());
            int mode = defaultMode == null ? 0644 : defaultMode;
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(modeString(mode)));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        try (Stream<Path> existing = Files.walk(dir)) {
            for (Path p : existing.filter(Files::isRegularFile).toList()) {
                if (!wanted.contains(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    static String modeString(int mode) {
        StringBuilder sb = new StringBuilder();
        String chars = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? chars.charAt(i) : '-');
        }
        return sb.toString();
    }

    /** Docker bind specs ({@code host:container[:ro]}) for the container's volumeMounts. */
    public List<String> binds(Container container, Map<String, Path> volumes, Pod pod) {
        List<String> binds = new ArrayList<>();
        if (container.getVolumeMounts() == null) {
            return binds;
        }
        Map<String, Volume> byName = new HashMap<>();
        if (pod.getSpec().getVolumes() != null) {
            pod.getSpec().getVolumes().forEach(v -> byName.put(v.getName(), v));
        }
        for (VolumeMount m : container.getVolumeMounts()) {
            Path host = volumes.get(m.getName());
            if (host == null) {
                throw new ContainerConfigException("volumeMount " + m.getName() + " names no volume of the pod");
            }
            if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
                host = host.resolve(m.getSubPath()).normalize();
            }
            Volume v = byName.get(m.getName());
            boolean readOnly = Boolean.TRUE.equals(m.getReadOnly()) || (v != null && (v.getConfigMap() != null
                    || v.getSecret() != null || v.getProjected() != null || v.getPersistentVolumeClaim() != null
                    && Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly())));
            binds.add(host + ":" + m.getMountPath() + (readOnly ? ":ro" : ""));
        }
        return binds;
    }

    /** Removes the pod's directory tree (its emptyDirs and projected files), never a hostPath. */
    public void cleanup(String uid) {
        if (projected != null) {
            projected.forget(uid);
        }
        Path dir = podDir(uid);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + dir, e);
        }
    }
}
