package dev.keelson.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Runtime;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes {@code application/vnd.kubernetes.protobuf} request bodies (the {@code k8s\0} envelope around a
 * runtime.Unknown) into the Kubernetes JSON the rest of the apiserver works with, using the generated classes of
 * io.kubernetes:client-java-proto.
 */
public final class ProtobufBodies {
    private static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Outer proto classes per API group ("" is core). */
    private static final Map<String, List<String>> OUTER = Map.ofEntries(
            Map.entry("", List.of("V1", "Meta")),
            Map.entry("apps", List.of("V1Apps")),
            Map.entry("batch", List.of("V1Batch")),
            Map.entry("policy", List.of("V1Policy", "Meta")),
            Map.entry("autoscaling", List.of("V1Autoscaling")),
            Map.entry("certificates.k8s.io", List.of("V1Certificates", "Meta")),
            Map.entry("authorization.k8s.io", List.of("V1Authorization")),
            Map.entry("authentication.k8s.io", List.of("V1Authentication")),
            Map.entry("rbac.authorization.k8s.io", List.of("V1Rbac")),
            Map.entry("networking.k8s.io", List.of("V1Networking")),
            Map.entry("storage.k8s.io", List.of("V1Storage")),
            Map.entry("scheduling.k8s.io", List.of("V1Scheduling")),
            Map.entry("meta.k8s.io", List.of("Meta")));

    /**
     * Go pointer fields whose zero value is meaningful: kept even when 0/false, while other zero scalars are
     * dropped as Go's omitempty JSON encoding would (the wire cannot tell the two apart).
     */
    private static final Set<String> KEEP_ZERO = Set.of("DeploymentSpec.replicas", "ReplicaSetSpec.replicas",
            "StatefulSetSpec.replicas", "ReplicationControllerSpec.replicas", "DeploymentSpec.revisionHistoryLimit",
            "DeploymentSpec.progressDeadlineSeconds", "DeleteOptions.gracePeriodSeconds",
            "DeleteOptions.orphanDependents", "JobSpec.backoffLimit", "JobSpec.parallelism", "JobSpec.completions",
            "JobSpec.suspend", "JobSpec.ttlSecondsAfterFinished", "JobSpec.manualSelector",
            "JobSpec.backoffLimitPerIndex", "JobSpec.maxFailedIndexes", "CronJobSpec.startingDeadlineSeconds",
            "CronJobSpec.suspend", "Secret.immutable", "ConfigMap.immutable",
            "ServiceAccount.automountServiceAccountToken", "PodSpec.automountServiceAccountToken",
            "PodSpec.terminationGracePeriodSeconds", "PodSpec.shareProcessNamespace", "PodSpec.setHostnameAsFQDN",
            "PodSpec.enableServiceLinks", "PodSpec.hostUsers", "SecurityContext.runAsUser", "SecurityContext.runAsGroup",
            "SecurityContext.runAsNonRoot", "SecurityContext.privileged", "SecurityContext.allowPrivilegeEscalation",
            "SecurityContext.readOnlyRootFilesystem", "PodSecurityContext.runAsUser", "PodSecurityContext.runAsGroup",
            "PodSecurityContext.runAsNonRoot", "PodSecurityContext.fsGroup", "ServiceSpec.allocateLoadBalancerNodePorts",
            "ConfigMapVolumeSource.defaultMode", "ConfigMapVolumeSource.optional", "SecretVolumeSource.defaultMode",
            "SecretVolumeSource.optional", "ConfigMapKeySelector.optional", "SecretKeySelector.optional",
            "OwnerReference.controller", "OwnerReference.blockOwnerDeletion", "Probe.terminationGracePeriodSeconds",
            "ObjectMeta.deletionGracePeriodSeconds", "PodDisruptionBudgetSpec.minAvailable");

    /** Go structs embedded with {@code json:",inline"}: a field in protobuf, flattened into the parent in JSON. */
    private static final Set<String> INLINE = Set.of("k8s.io.api.core.v1.Probe.handler",
            "k8s.io.api.core.v1.Volume.volumeSource", "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
            "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource");

    /** The seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: Go's Time.MarshalJSON refuses other years. */
    private static final long MIN_SECONDS = -62167219200L;
    private static final long MAX_SECONDS = 253402300799L;

    private ProtobufBodies() {
    }

    /** Raised when a body is not a Kubernetes protobuf envelope or holds a kind we cannot decode. */
    public static class DecodeException extends RuntimeException {
        public DecodeException(String message) {
            super(message);
        }
    }

    /**
     * Decodes an enveloped body. The result carries apiVersion and kind from the envelope's typeMeta, except for
     * DeleteOptions, which is returned as its bare fields (an empty DeleteOptions decodes to {@code {}}).
     */
    public static ObjectNode decode(byte[] body) {
        if (body == null || body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1]
                || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
            throw new DecodeException("protobuf body does not start with the Kubernetes magic k8s\\0");
        }
        Runtime.Unknown unknown;
        try {
            unknown = Runtime.Unknown.parseFrom(ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
        } catch (InvalidProtocolBufferException e) {
            throw new DecodeException("invalid protobuf envelope: " + e.getMessage());
        }
        String apiVersion = unknown.getTypeMeta().getApiVersion();
        String kind = unknown.getTypeMeta().getKind();
        if (kind.isEmpty()) {
            throw new DecodeException("protobuf envelope carries no kind");
        }
        Message message = parse(apiVersion, kind, unknown.getRaw());
        ObjectNode out = NODES.objectNode();
        if (!kind.equals("DeleteOptions")) {
            out.put("kind", kind);
            out.put("apiVersion", apiVersion);
        }
        out.setAll(toJson(message));
        return out;
    }

    private static Message parse(String apiVersion, String kind, ByteString raw) {
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
        List<String> outers = OUTER.get(group);
        if (outers == null || !version.equals("v1")) {
            throw new DecodeException("protobuf bodies for " + apiVersion + " " + kind + " are not supported; send JSON");
        }
        for (String outer : outers) {
            Class<?> cls;
            try {
                cls = Class.forName("io.kubernetes.client.proto." + outer + "$" + kind);
            } catch (ClassNotFoundException e) {
                continue;
            }
            try {
                return (Message) cls.getMethod("parseFrom", ByteString.class).invoke(null, raw);
            } catch (InvocationTargetException e) {
                throw new DecodeException("invalid protobuf " + kind + ": " + e.getCause().getMessage());
            } catch (ReflectiveOperationException e) {
                throw new DecodeException("cannot decode protobuf " + kind + ": " + e);
            }
        }
        throw new DecodeException("protobuf bodies for " + apiVersion + " " + kind + " are not supported; send JSON");
    }

    /** A message as Kubernetes JSON: special apimachinery types, bytes as base64, maps, empty fields omitted. */
    static ObjectNode toJson(Message message) {
        ObjectNode out = NODES.objectNode();
        for (FieldDescriptor fd : message.getDescriptorForType().getFields()) {
            String name = fd.getJsonName();
            if (fd.isMapField()) {
                int n = message.getRepeatedFieldCount(fd);
                if (n == 0) {
                    continue;
                }
                ObjectNode map = out.putObject(name);
                for (int i = 0; i < n; i++) {
                    Message entry = (Message) message.getRepeatedField(fd, i);
                    FieldDescriptor keyField = entry.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor valueField = entry.getDescriptorForType().findFieldByName("value");
                    map.set(String.valueOf(entry.getField(keyField)), value(valueField, entry.getField(valueField)));
                }
            } else if (fd.isRepeated()) {
                int n = message.getRepeatedFieldCount(fd);
                if (n == 0) {
                    continue;
                }
                ArrayNode list = out.putArray(name);
                for (int i = 0; i < n; i++) {
                    list.add(value(fd, message.getRepeatedField(fd, i)));
                }
            } else if (message.hasField(fd)) {
                JsonNode v = value(fd, message.getField(fd));
                if (INLINE.contains(fd.getFullName()) && v instanceof ObjectNode inline) {
                    out.setAll(inline);
                    continue;
                }
                if (v != null && !omitted(v, fd)) {
                    out.set(name, v);
                }
            }
        }
        return out;
    }

    private static boolean omitted(JsonNode v, FieldDescriptor fd) {
        if (v.isTextual()) {
            return v.asText().isEmpty() && fd.getType() != FieldDescriptor.Type.MESSAGE;
        }
        if (v.isNumber() && v.asLong() == 0 || v.isBoolean() && !v.asBoolean()) {
            return !KEEP_ZERO.contains(fd.getContainingType().getName() + "." + fd.getName());
        }
        return false;
    }

    private static JsonNode value(FieldDescriptor fd, Object value) {
        switch (fd.getJavaType()) {
            case MESSAGE:
                return special((Message) value);
            case BYTE_STRING:
                return NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case INT:
                return NODES.numberNode((Integer) value);
            case LONG: {
                long l = (Long) value;
                return l == (int) l ? NODES.numberNode((int) l) : NODES.numberNode(l);
            }
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            case FLOAT:
                return NODES.numberNode((Float) value);
            case DOUBLE:
                return NODES.numberNode((Double) value);
            default:
                return NODES.textNode(String.valueOf(value));
        }
    }

    private static JsonNode special(Message m) {
        String type = m.getDescriptorForType().getFullName();
        switch (type) {
            case "k8s.io.apimachinery.pkg.apis.meta.v1.Time": {
                long seconds = ((Number) field(m, "seconds")).longValue();
                int nanos = ((Number) field(m, "nanos")).intValue();
                return seconds == 0 && nanos == 0 ? null : NODES.textNode(SECONDS.format(instant(seconds, nanos)));
            }
            case "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": {
                long seconds = ((Number) field(m, "seconds")).longValue();
                int nanos = ((Number) field(m, "nanos")).intValue();
                return seconds == 0 && nanos == 0 ? null : NODES.textNode(MICROS.format(instant(seconds, nanos)));
            }
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                return ((Number) field(m, "type")).longValue() == 1L
                        ? NODES.textNode((String) field(m, "strVal"))
                        : NODES.numberNode(((Number) field(m, "intVal")).intValue());
            case "k8s.io.apimachinery.pkg.api.resource.Quantity":
                return NODES.textNode((String) field(m, "string"));
            case "k8s.io.apimachinery.pkg.apis.meta.v1.Duration":
                return NODES.textNode(goDuration(((Number) field(m, "duration")).longValue()));
            case "k8s.io.apimachinery.pkg.runtime.RawExtension":
            case "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
            case "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": {
                ByteString raw = (ByteString) field(m, "raw");
                try {
                    return raw.isEmpty() ? null : JSON.readTree(raw.toByteArray());
                } catch (IOException e) {
                    return NODES.textNode(Base64.getEncoder().encodeToString(raw.toByteArray()));
                }
            }
            default:
                return toJson(m);
        }
    }

    /** A time a Kubernetes client can read back; one past year 9999 (or before 0) is refused, not stored. */
    private static Instant instant(long seconds, int nanos) {
        Instant t = seconds < MIN_SECONDS || seconds > MAX_SECONDS ? null : Instant.ofEpochSecond(seconds, nanos);
        if (t == null || t.getEpochSecond() < MIN_SECONDS || t.getEpochSecond() > MAX_SECONDS) {
            throw new DecodeException("time " + seconds + "s " + nanos + "ns is outside of the years 0 to 9999");
        }
        return t;
    }

    private static Object field(Message m, String name) {
        FieldDescriptor fd = m.getDescriptorForType().findFieldByName(name);
        if (fd == null) {
            throw new DecodeException("unexpected protobuf schema for " + m.getDescriptorForType().getFullName());
        }
        return m.getField(fd);
    }

    /** Go's time.Duration.String() for whole and fractional seconds, e.g. "1h0m0s", "1.5s". */
    static String goDuration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder(nanos < 0 ? "-" : "");
        long abs = Math.abs(nanos);
        long hours = abs / 3_600_000_000_000L;
        long minutes = abs / 60_000_000_000L % 60;
        double seconds = abs % 60_000_000_000L / 1e9;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        String s = seconds == Math.floor(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
        return out.append(s).append('s').toString();
    }
}
