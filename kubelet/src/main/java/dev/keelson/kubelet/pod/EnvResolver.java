package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Computes a container's environment from its spec the way the kubelet does: envFrom first, then env in order,
 * with $(VAR) references expanded against what was defined before; also expands $(VAR) in command and args.
 */
public final class EnvResolver {
    private static final Pattern FIELD_MAP = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");
    private static final Pattern C_IDENTIFIER = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private final Function<String, ConfigMap> configMaps;
    private final Function<String, Secret> secrets;

    /** Lookups by name in the pod's namespace; they return null for objects that do not exist. */
    public EnvResolver(Function<String, ConfigMap> configMaps, Function<String, Secret> secrets) {
        this.configMaps = configMaps;
        this.secrets = secrets;
    }

    public Map<String, String> resolve(Pod pod, Container container, String podIp, String hostIp) {
        return resolve(pod, container, podIp, hostIp, Map.of());
    }

    /**
     * With the service variables ({@link ServiceEnv}): $(VAR) in declared values may name them, and those the
     * container does not declare itself are added after its own, as the kubelet does.
     */
    public Map<String, String> resolve(Pod pod, Container container, String podIp, String hostIp,
                                       Map<String, String> serviceEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        if (container.getEnvFrom() != null) {
            for (EnvFromSource from : container.getEnvFrom()) {
                String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                if (from.getConfigMapRef() != null) {
                    ConfigMap cm = configMaps.apply(from.getConfigMapRef().getName());
                    if (cm == null) {
                        if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                            throw new ContainerConfigException("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                        }
                        continue;
                    }
                    putAll(env, prefix, cm.getData());
                }
                if (from.getSecretRef() != null) {
                    Secret s = secrets.apply(from.getSecretRef().getName());
                    if (s == null) {
                        if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                            throw new ContainerConfigException("secret \"" + from.getSecretRef().getName() + "\" not found");
                        }
                        continue;
                    }
                    putAll(env, prefix, secretData(s));
                }
            }
        }
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                String value;
                if (var.getValueFrom() != null) {
                    value = valueFrom(pod, container, var, podIp, hostIp);
                    if (value == null) {
                        continue;
                    }
                } else {
                    Map<String, String> sources = env;
                    if (!serviceEnv.isEmpty()) {
                        sources = new LinkedHashMap<>(serviceEnv);
                        sources.putAll(env);
                    }
                    value = expand(var.getValue() == null ? "" : var.getValue(), sources);
                }
                env.put(var.getName(), value);
            }
        }
        serviceEnv.forEach(env::putIfAbsent);
        return env;
    }

    private static void putAll(Map<String, String> env, String prefix, Map<String, String> data) {
        if (data == null) {
            return;
        }
        data.forEach((k, v) -> {
            String name = prefix + k;
            if (C_IDENTIFIER.matcher(name).matches()) {
                env.put(name, v);
            }
        });
    }

    static Map<String, String> secretData(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    private String valueFrom(Pod pod, Container container, EnvVar var, String podIp, String hostIp) {
        EnvVarSource src = var.getValueFrom();
        if (src.getConfigMapKeyRef() != null) {
            var ref = src.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            ConfigMap cm = configMaps.apply(ref.getName());
            if (cm == null) {
                if (optional) {
                    return null;
                }
                throw new ContainerConfigException("configmap \"" + ref.getName() + "\" not found");
            }
            String v = cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (v == null && !optional) {
                throw new ContainerConfigException("couldn't find key " + ref.getKey() + " in ConfigMap "
                        + pod.getMetadata().getNamespace() + "/" + ref.getName());
            }
            return v;
        }
        if (src.getSecretKeyRef() != null) {
            var ref = src.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Secret s = secrets.apply(ref.getName());
            if (s == null) {
                if (optional) {
                    return null;
                }
                throw new ContainerConfigException("secret \"" + ref.getName() + "\" not found");
            }
            String v = secretData(s).get(ref.getKey());
            if (v == null && !optional) {
                throw new ContainerConfigException("couldn't find key " + ref.getKey() + " in Secret "
                        + pod.getMetadata().getNamespace() + "/" + ref.getName());
            }
            return v;
        }
        if (src.getFieldRef() != null) {
            return fieldValue(pod, src.getFieldRef().getFieldPath(), podIp, hostIp);
        }
        if (src.getResourceFieldRef() != null) {
            return resourceValue(container, src.getResourceFieldRef().getResource(), src.getResourceFieldRef().getDivisor());
        }
        throw new ContainerConfigException("env " + var.getName() + " has an empty valueFrom");
    }

    /** The downward API fields the kubelet resolves. */
    public static String fieldValue(Pod pod, String path, String podIp, String hostIp) {
        if (path == null) {
            throw new ContainerConfigException("fieldRef without fieldPath");
        }
        switch (path) {
            case "metadata.name": return pod.getMetadata().getName();
            case "metadata.namespace": return pod.getMetadata().getNamespace();
            case "metadata.uid": return pod.getMetadata().getUid();
            case "spec.nodeName": return pod.getSpec().getNodeName();
            case "spec.serviceAccountName": return pod.getSpec().getServiceAccountName();
            case "status.podIP":
            case "status.podIPs": return podIp == null ? "" : podIp;
            case "status.hostIP":
            case "status.hostIPs": return hostIp == null ? "" : hostIp;
            default:
                break;
        }
        Matcher m = FIELD_MAP.matcher(path);
        if (m.matches()) {
            Map<String, String> map = m.group(1).equals("labels") ? pod.getMetadata().getLabels() : pod.getMetadata().getAnnotations();
            return map == null ? "" : map.getOrDefault(m.group(2), "");
        }
        throw new ContainerConfigException("unsupported fieldRef fieldPath: " + path);
    }

    private static String resourceValue(Container c, String resource, Quantity divisor) {
        if (resource == null) {
            throw new ContainerConfigException("resourceFieldRef without resource");
        }
        String[] parts = resource.split("\\.", 2);
        if (parts.length != 2 || !(parts[0].equals("limits") || parts[0].equals("requests"))) {
            throw new ContainerConfigException("unsupported resourceFieldRef resource: " + resource);
        }
        Map<String, Quantity> map = c.getResources() == null ? null
                : parts[0].equals("limits") ? c.getResources().getLimits() : c.getResources().getRequests();
        Quantity q = map == null ? null : map.get(parts[1]);
        if (q == null) {
            return "0";
        }
        BigDecimal amount = q.getNumericalAmount();
        BigDecimal div = divisor == null ? BigDecimal.ONE : divisor.getNumericalAmount();
        return amount.divide(div, 0, RoundingMode.CEILING).toPlainString();
    }

    /** Expands $(NAME) from env; $$ escapes; unknown references stay as written, as in Kubernetes. */
    public static String expand(String input, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c == '$' && i + 1 < input.length()) {
                char n = input.charAt(i + 1);
                if (n == '$') {
                    out.append('$');
                    i += 2;
                    continue;
                }
                if (n == '(') {
                    int close = input.indexOf(')', i + 2);
                    if (close > 0) {
                        String name = input.substring(i + 2, close);
                        if (env.containsKey(name)) {
                            out.append(env.get(name));
                        } else {
                            out.append(input, i, close + 1);
                        }
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    public static List<String> expandAll(List<String> values, Map<String, String> env) {
        if (values == null) {
            return null;
        }
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            out.add(expand(v, env));
        }
        return out;
    }
}
