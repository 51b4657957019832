package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.ComponentStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shape of the Kubernetes kinds we serve, read by reflection from the fabric8 model classes (each kind's
 * registration names its class), plus the {@code patchStrategy}/{@code patchMergeKey} tags of k8s.io/api that
 * strategic merge patch and server-side apply need.
 */
public final class ModelSchema {

    /** How a field's JSON value is shaped. */
    public enum Shape { OBJECT, LIST, MAP, SCALAR, ANY }

    /**
     * One JSON field of a model class. For LIST and MAP, {@code valueClass} is the element type; for OBJECT the
     * nested model class; for SCALAR the Java type (String, Integer, IntOrString, Quantity, ...).
     */
    public record FieldSchema(String jsonName, Shape shape, Class<?> valueClass, Shape elementShape,
                              String patchStrategy, String mergeKey) {
        public boolean mergeList() {
            return patchStrategy != null && List.of(patchStrategy.split(",")).contains("merge");
        }

        public boolean retainKeys() {
            return patchStrategy != null && List.of(patchStrategy.split(",")).contains("retainKeys");
        }

        public boolean replace() {
            return "replace".equals(patchStrategy);
        }
    }

    private record Tag(String strategy, String mergeKey) { }

    /** k8s.io/api types.go tags (release 1.32), keyed by the fabric8 class that models the Go struct. */
    private static final Map<Class<?>, Map<String, Tag>> TAGS = new LinkedHashMap<>();

    static {
        tag(ObjectMeta.class, "finalizers", "merge", null);
        tag(ObjectMeta.class, "ownerReferences", "merge", "uid");
        for (Class<?> c : List.of(Container.class, EphemeralContainer.class)) {
            tag(c, "ports", "merge", "containerPort");
            tag(c, "env", "merge", "name");
            tag(c, "volumeMounts", "merge", "mountPath");
            tag(c, "volumeDevices", "merge", "devicePath");
        }
        tag(ContainerStatus.class, "volumeMounts", "merge", "mountPath");
        tag(ContainerStatus.class, "allocatedResourcesStatus", "merge", "name");
        tag(PodSpec.class, "volumes", "merge,retainKeys", "name");
        tag(PodSpec.class, "initContainers", "merge", "name");
        tag(PodSpec.class, "containers", "merge", "name");
        tag(PodSpec.class, "ephemeralContainers", "merge", "name");
        tag(PodSpec.class, "imagePullSecrets", "merge", "name");
        tag(PodSpec.class, "hostAliases", "merge", "ip");
        tag(PodSpec.class, "topologySpreadConstraints", "merge", "topologyKey");
        tag(PodSpec.class, "schedulingGates", "merge", "name");
        tag(PodSpec.class, "resourceClaims", "merge,retainKeys", "name");
        tag(PodStatus.class, "conditions", "merge", "type");
        tag(PodStatus.class, "hostIPs", "merge", "ip");
        tag(PodStatus.class, "podIPs", "merge", "ip");
        tag(PodStatus.class, "resourceClaimStatuses", "merge,retainKeys", "name");
        tag(ServiceSpec.class, "ports", "merge", "port");
        tag(ServiceStatus.class, "conditions", "merge", "type");
        tag(ServiceAccount.class, "secrets", "merge", "name");
        tag(NodeSpec.class, "podCIDRs", "merge", null);
        tag(NodeStatus.class, "conditions", "merge", "type");
        tag(NodeStatus.class, "addresses", "merge", "type");
        tag(NamespaceStatus.class, "conditions", "merge", "type");
        tag(ComponentStatus.class, "conditions", "merge", "type");
        tag(ReplicationControllerStatus.class, "conditions", "merge", "type");
        tag(PersistentVolumeClaimStatus.class, "conditions", "merge", "type");
        tag(DeploymentSpec.class, "strategy", "retainKeys", null);
        tag(DeploymentStatus.class, "conditions", "merge", "type");
        tag(ReplicaSetStatus.class, "conditions", "merge", "type");
        tag(StatefulSetStatus.class, "conditions", "merge", "type");
        tag(DaemonSetStatus.class, "conditions", "merge", "type");
        tag(JobStatus.class, "conditions", "merge", "type");
        tag(PodDisruptionBudgetSpec.class, "selector", "replace", null);
        tag(PodDisruptionBudgetStatus.class, "conditions", "merge", "type");
    }

    private static void tag(Class<?> owner, String field, String strategy, String mergeKey) {
        TAGS.computeIfAbsent(owner, k -> new LinkedHashMap<>()).put(field, new Tag(strategy, mergeKey));
    }

    private static final Map<Class<?>, Map<String, FieldSchema>> FIELDS = new ConcurrentHashMap<>();

    private ModelSchema() {
    }

    /** The JSON fields of a model class in declaration order (empty for scalars and unknown types). */
    public static Map<String, FieldSchema> fields(Class<?> cls) {
        if (cls == null || !isModelClass(cls)) {
            return Map.of();
        }
        return FIELDS.computeIfAbsent(cls, ModelSchema::reflect);
    }

    /** One field of a model class, or null when the class has no such JSON field. */
    public static FieldSchema field(Class<?> cls, String jsonName) {
        return fields(cls).get(jsonName);
    }

    /** True for fabric8 classes that serialise as JSON objects with declared fields. */
    public static boolean isModelClass(Class<?> cls) {
        return cls.getName().startsWith("io.fabric8.kubernetes.api.model.") && !cls.isInterface()
                && !cls.isEnum() && !AnyType.class.isAssignableFrom(cls) && cls != Quantity.class
                && cls != MicroTime.class && cls != Duration.class;
    }

    /** True when the Java type serialises as a JSON string although it is a class (IntOrString is int or string). */
    public static boolean isStringLike(Class<?> cls) {
        return cls == String.class || cls == Quantity.class || cls == MicroTime.class || cls == Duration.class
                || Temporal.class.isAssignableFrom(cls);
    }

    private static Map<String, FieldSchema> reflect(Class<?> cls) {
        List<Field> all = new ArrayList<>();
        for (Class<?> c = cls; c != null && c != Object.class; c = c.getSuperclass()) {
            List<Field> own = new ArrayList<>(List.of(c.getDeclaredFields()));
            all.addAll(0, own);
        }
        Map<String, Tag> tags = TAGS.getOrDefault(cls, Map.of());
        Map<String, FieldSchema> out = new LinkedHashMap<>();
        for (Field f : all) {
            if (Modifier.isStatic(f.getModifiers()) || f.isAnnotationPresent(JsonIgnore.class)
                    || f.getName().equals("additionalProperties")) {
                continue;
            }
            JsonProperty jp = f.getAnnotation(JsonProperty.class);
            String name = jp != null && !jp.value().isEmpty() ? jp.value() : f.getName();
            Tag tag = tags.get(name);
            out.put(name, describe(name, f.getGenericType(), tag));
        }
        return Collections.unmodifiableMap(out);
    }

    private static FieldSchema describe(String name, Type type, Tag tag) {
        String strategy = tag == null ? null : tag.strategy();
        String mergeKey = tag == null ? null : tag.mergeKey();
        Class<?> raw = rawClass(type);
        if (List.class.isAssignableFrom(raw) || Set.class.isAssignableFrom(raw)) {
            Class<?> elem = typeArgument(type, 0);
            return new FieldSchema(name, Shape.LIST, elem, shapeOf(elem), strategy, mergeKey);
        }
        if (Map.class.isAssignableFrom(raw)) {
            Class<?> elem = typeArgument(type, 1);
            return new FieldSchema(name, Shape.MAP, elem, shapeOf(elem), strategy, mergeKey);
        }
        return new FieldSchema(name, shapeOf(raw), raw, null, strategy, mergeKey);
    }

    private static Shape shapeOf(Class<?> cls) {
        if (cls == Object.class || cls.isInterface() && !List.class.isAssignableFrom(cls)
                && !Map.class.isAssignableFrom(cls)) {
            return Shape.ANY;
        }
        if (List.class.isAssignableFrom(cls)) {
            return Shape.LIST;
        }
        if (Map.class.isAssignableFrom(cls)) {
            return Shape.MAP;
        }
        return isModelClass(cls) ? Shape.OBJECT : Shape.SCALAR;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return rawClass(p.getRawType());
        }
        return Object.class;
    }

    private static Class<?> typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return rawClass(p.getActualTypeArguments()[index]);
        }
        return Object.class;
    }

    /** Structs Kubernetes marks {@code +structType=atomic}: server-side apply owns them as a whole. */
    public static boolean isAtomicStruct(Class<?> cls) {
        return cls == io.fabric8.kubernetes.api.model.LabelSelector.class
                || cls == io.fabric8.kubernetes.api.model.NodeSelector.class;
    }

    /** The value class of IntOrString, exposed so other packages need not import fabric8 for it. */
    public static boolean isIntOrString(Class<?> cls) {
        return cls == IntOrString.class;
    }
}
