package dev.keelson.apiserver.validation;

import static dev.keelson.apiserver.validation.Objects.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class DefaultsTest {

    private static ObjectNode defaulted(String apiVersion, String kind, String text) {
        ObjectNode obj = json(text);
        Objects.strategy(apiVersion, kind).defaults(obj);
        ObjectNode again = obj.deepCopy();
        Objects.strategy(apiVersion, kind).defaults(again);
        assertEquals(obj, again, "defaulting must be idempotent");
        return obj;
    }

    @Test
    void podGetsKubernetesDefaults() {
        ObjectNode pod = defaulted("v1", "Pod", "{metadata:{name:'p'}, spec:{containers:[{name:'a', image:'nginx', "
                + "ports:[{containerPort:80}], livenessProbe:{httpGet:{port:80}}, resources:{limits:{cpu:'1'}}}], "
                + "tolerations:[{key:'k', operator:'Exists'}]}}");
        assertEquals(json("{restartPolicy:'Always', dnsPolicy:'ClusterFirst', schedulerName:'default-scheduler', "
                + "terminationGracePeriodSeconds:30, securityContext:{}, enableServiceLinks:true, priority:0, "
                + "preemptionPolicy:'PreemptLowerPriority', tolerations:[{key:'k', operator:'Exists'}], containers:[{name:'a', "
                + "image:'nginx', ports:[{containerPort:80, protocol:'TCP'}], livenessProbe:{httpGet:{port:80, path:'/', "
                + "scheme:'HTTP'}, timeoutSeconds:1, periodSeconds:10, successThreshold:1, failureThreshold:3}, "
                + "resources:{limits:{cpu:'1'}, requests:{cpu:'1'}}, terminationMessagePath:'/dev/termination-log', "
                + "terminationMessagePolicy:'File', imagePullPolicy:'Always'}]}"), pod.get("spec"));
    }

    @Test
    void imagePullPolicyDependsOnTheTag() {
        assertEquals("latest", Defaults.imageTag("nginx"));
        assertEquals("latest", Defaults.imageTag("registry:5000/nginx"));
        assertEquals("1.27", Defaults.imageTag("registry:5000/nginx:1.27"));
        assertEquals("", Defaults.imageTag("nginx@sha256:abc"));
        ObjectNode pod = defaulted("v1", "Pod", "{spec:{containers:[{name:'a', image:'nginx:1.27'}, {name:'b', "
                + "image:'nginx:latest'}, {name:'c', image:'nginx', imagePullPolicy:'Never'}]}}");
        assertEquals("IfNotPresent", pod.at("/spec/containers/0/imagePullPolicy").asText());
        assertEquals("Always", pod.at("/spec/containers/1/imagePullPolicy").asText());
        assertEquals("Never", pod.at("/spec/containers/2/imagePullPolicy").asText());
    }

    @Test
    void podVolumesWithoutSourceBecomeEmptyDirs() {
        ObjectNode pod = defaulted("v1", "Pod", "{spec:{volumes:[{name:'scratch'}, {name:'cfg', configMap:{name:'c'}}], "
                + "containers:[{name:'a', image:'x'}]}}");
        assertEquals(json("{}"), pod.at("/spec/volumes/0/emptyDir"));
        assertEquals(420, pod.at("/spec/volumes/1/configMap/defaultMode").asInt());
    }

    @Test
    void deploymentGetsStrategyHistoryDeadlineAndTemplateDefaults() {
        ObjectNode d = defaulted("apps/v1", "Deployment", "{spec:{selector:{matchLabels:{a:'b'}}, template:{metadata:{labels:"
                + "{a:'b'}}, spec:{containers:[{name:'c', image:'x:1'}]}}}}");
        assertEquals(1, d.at("/spec/replicas").asInt());
        assertEquals(json("{type:'RollingUpdate', rollingUpdate:{maxUnavailable:'25%', maxSurge:'25%'}}"), d.at("/spec/strategy"));
        assertEquals(10, d.at("/spec/revisionHistoryLimit").asInt());
        assertEquals(600, d.at("/spec/progressDeadlineSeconds").asInt());
        assertEquals("Always", d.at("/spec/template/spec/restartPolicy").asText());
        assertEquals("IfNotPresent", d.at("/spec/template/spec/containers/0/imagePullPolicy").asText());
        assertFalse(d.at("/spec/template/spec").has("enableServiceLinks"), "only pods get enableServiceLinks");
        ObjectNode recreate = defaulted("apps/v1", "Deployment", "{spec:{replicas:3, strategy:{type:'Recreate'}}}");
        assertEquals(3, recreate.at("/spec/replicas").asInt());
        assertFalse(recreate.at("/spec/strategy").has("rollingUpdate"));
    }

    @Test
    void replicaSetDefaultsToOneReplica() {
        assertEquals(1, defaulted("apps/v1", "ReplicaSet", "{spec:{}}").at("/spec/replicas").asInt());
    }

    @Test
    void serviceGetsTypeAffinityPortsAndFamilies() {
        ObjectNode s = defaulted("v1", "Service", "{spec:{type:'NodePort', ports:[{port:80}, {port:443, targetPort:'https'}]}}");
        assertEquals(json("{type:'NodePort', sessionAffinity:'None', externalTrafficPolicy:'Cluster', "
                + "internalTrafficPolicy:'Cluster', ipFamilies:['IPv4'], ipFamilyPolicy:'SingleStack', ports:[{port:80, "
                + "protocol:'TCP', targetPort:80}, {port:443, targetPort:'https', protocol:'TCP'}]}"), s.get("spec"));
        ObjectNode clusterIp = defaulted("v1", "Service", "{spec:{clusterIP:'10.96.0.10', ports:[{port:53, protocol:'UDP'}]}}");
        assertEquals("ClusterIP", clusterIp.at("/spec/type").asText());
        assertEquals(json("{a:['10.96.0.10']}").get("a"), clusterIp.at("/spec/clusterIPs"));
        assertFalse(clusterIp.get("spec").has("externalTrafficPolicy"));
        ObjectNode external = defaulted("v1", "Service", "{spec:{type:'ExternalName', externalName:'example.com'}}");
        assertFalse(external.get("spec").has("ipFamilies"), "ExternalName services have no IP families");
    }

    @Test
    void namespaceGetsFinalizerPhaseAndNameLabel() {
        ObjectNode ns = defaulted("v1", "Namespace", "{metadata:{name:'team-a'}}");
        assertEquals(json("{a:['kubernetes']}").get("a"), ns.at("/spec/finalizers"));
        assertEquals("Active", ns.at("/status/phase").asText());
        assertEquals("team-a", ns.at("/metadata/labels/kubernetes.io~1metadata.name").asText());
    }

    @Test
    void secretDefaultsToOpaqueAndFoldsStringDataIntoData() {
        ObjectNode s = defaulted("v1", "Secret", "{stringData:{password:'hunter2'}, data:{user:'YWRtaW4='}}");
        assertEquals("Opaque", s.get("type").asText());
        assertEquals(json("{user:'YWRtaW4=', password:'aHVudGVyMg=='}"), s.get("data"));
        assertFalse(s.has("stringData"));
    }

    @Test
    void endpointSliceAndEndpointsPortsDefaultToTcp() {
        ObjectNode slice = defaulted("discovery.k8s.io/v1", "EndpointSlice", "{addressType:'IPv4', ports:[{port:80}]}");
        assertEquals(json("{port:80, name:'', protocol:'TCP'}"), slice.at("/ports/0"));
        ObjectNode ep = defaulted("v1", "Endpoints", "{subsets:[{addresses:[{ip:'10.0.0.1'}], ports:[{port:80}]}]}");
        assertEquals("TCP", ep.at("/subsets/0/ports/0/protocol").asText());
    }

    @Test
    void nodeAllocatableDefaultsToCapacity() {
        ObjectNode n = defaulted("v1", "Node", "{status:{capacity:{cpu:'4'}}}");
        assertEquals(json("{cpu:'4'}"), n.at("/status/allocatable"));
    }
}
