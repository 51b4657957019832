package dev.keelson.e2e.multinode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;

/**
 * The nginx Deployment and Service the multi-node stories roll out and update: a readiness probe that notices a
 * stopped nginx within a second, a surge-only rolling update, and a preStop pause so that no request is lost while
 * proxies drop the endpoint.
 *
 * @param namespace written into the manifests; null leaves it to kubectl (the default namespace)
 * @param minReadySeconds 0 for none
 * @param nodePort the Service's NodePort; null for a ClusterIP Service
 */
record NginxApp(String name, String namespace, int minReadySeconds, Integer nodePort) {
    /** The Deployment (of {@code image}, {@code replicas} pods) and its Service, as one kubectl apply input. */
    String manifest(String image, int replicas) {
        String metadata = namespace == null ? "{name: " + name + "}" : "{name: " + name + ", namespace: " + namespace + "}";
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: %1$s
                spec:
                  replicas: %3$d
                %4$s  selector: {matchLabels: {app: %2$s}}
                  strategy:
                    type: RollingUpdate
                    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
                  template:
                    metadata: {labels: {app: %2$s}}
                    spec:
                      containers:
                      - name: nginx
                        image: %5$s
                        ports: [{containerPort: 80}]
                        readinessProbe:
                          httpGet: {path: /, port: 80}
                          periodSeconds: 1
                          failureThreshold: 1
                        # nginx stops at once on SIGTERM: keep serving until every proxy has dropped the endpoint.
                        lifecycle:
                          preStop:
                            sleep: {seconds: 5}
                ---
                apiVersion: v1
                kind: Service
                metadata: %1$s
                spec:
                %6$s  selector: {app: %2$s}
                  ports: [{port: 80, targetPort: 80%7$s}]
                """.formatted(metadata, name, replicas,
                minReadySeconds > 0 ? "  minReadySeconds: " + minReadySeconds + "\n" : "", image,
                nodePort != null ? "  type: NodePort\n" : "", nodePort != null ? ", nodePort: " + nodePort : "");
    }

    /** The image of a pod of the app. */
    static String image(Pod p) {
        return p.getSpec().getContainers().get(0).getImage();
    }

    /** Pods as name@node(image[,terminating],Ready status), sorted: what a failed wait reports as last seen. */
    static String describe(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName() + "@" + p.getSpec().getNodeName() + "(" + image(p)
                + (p.getMetadata().getDeletionTimestamp() != null ? ",terminating" : "")
                + (p.getStatus() == null || p.getStatus().getConditions() == null ? "" : ","
                        + p.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                                .map(PodCondition::getStatus).findFirst().orElse("-"))
                + ")").sorted().toList().toString();
    }
}
