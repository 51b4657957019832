package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static dev.keelson.apiserver.patch.Json.obj;
import static dev.keelson.apiserver.patch.Json.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrategicMergePatchTest {

    /** A Deployment as the API server stores it after the first apply (server defaults filled in). */
    private static ObjectNode liveDeployment() {
        return obj("""
                {'apiVersion':'apps/v1','kind':'Deployment',
                 'metadata':{'name':'web','namespace':'default','generation':1,
                   'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'old\\n'}},
                 'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},
                   'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},
                   'revisionHistoryLimit':10,'progressDeadlineSeconds':600,
                   'template':{'metadata':{'labels':{'app':'web'}},'spec':{
                     'containers':[
                       {'name':'web','image':'nginx:1.27',
                        'ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':8080,'protocol':'TCP'}],
                        'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],
                        'resources':{},'terminationMessagePath':'/dev/termination-log',
                        'terminationMessagePolicy':'File','imagePullPolicy':'IfNotPresent'},
                       {'name':'sidecar','image':'busybox','args':['sleep','3600'],'resources':{},
                        'terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'File',
                        'imagePullPolicy':'Always'}],
                     'restartPolicy':'Always','terminationGracePeriodSeconds':30,'dnsPolicy':'ClusterFirst',
                     'securityContext':{},'schedulerName':'default-scheduler'}}}}
                """);
    }

    private static JsonNode smp(JsonNode original, String patch) {
        return StrategicMergePatch.apply(original, parse(patch), io.fabric8.kubernetes.api.model.apps.Deployment.class);
    }

    @Test
    void kubectlApplyImageAndReplicasChangeUpdatesOnlyThoseFields() {
        JsonNode result = smp(liveDeployment(), """
                {'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new\\n'}},
                 'spec':{'replicas':3,'template':{'spec':{'$setElementOrder/containers':[{'name':'web'},{'name':'sidecar'}],
                   'containers':[{'image':'nginx:1.28','name':'web'}]}}}}
                """);
        ObjectNode expected = liveDeployment();
        ((ObjectNode) expected.path("metadata").path("annotations"))
                .put("kubectl.kubernetes.io/last-applied-configuration", "new\n");
        ((ObjectNode) expected.path("spec")).put("replicas", 3);
        ((ObjectNode) expected.at("/spec/template/spec/containers/0")).put("image", "nginx:1.28");
        assertEquals(expected, result);
    }

    @Test
    void kubectlApplyRetainKeysDropsRollingUpdateAndReordersContainers() {
        ObjectNode live = obj("""
                {'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},
                 'template':{'spec':{'containers':[{'name':'nginx','image':'nginx','ports':[{'containerPort':80,'protocol':'TCP'}]}]}}}}
                """);
        JsonNode result = smp(live, """
                {'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'},
                  'template':{'spec':{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'nginx'}],
                    'containers':[{'args':['sleep','3600'],'image':'busybox','name':'sidecar'},
                                  {'name':'nginx','ports':null}]}}}}
                """);
        assertEquals(parse("""
                {'spec':{'strategy':{'type':'Recreate'},
                 'template':{'spec':{'containers':[{'args':['sleep','3600'],'image':'busybox','name':'sidecar'},
                                                   {'name':'nginx','image':'nginx'}]}}}}
                """), result);
    }

    @Test
    void reapplyRemovingPortAndEnvAndReorderingContainersGivesKubernetesObject() {
        // The three-way patch kubectl 1.32 computes for the edited manifest (last-applied vs new vs live).
        JsonNode result = smp(liveDeployment(), """
                {'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new\\n'}},
                 'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'web'}],
                   'containers':[{'$setElementOrder/env':[{'name':'A'}],'$setElementOrder/ports':[{'containerPort':80}],
                     'env':[{'$patch':'delete','name':'B'}],'name':'web',
                     'ports':[{'$patch':'delete','containerPort':8080}]}]}}}}
                """);
        JsonNode expected = parse("""
                {'apiVersion':'apps/v1','kind':'Deployment',
                 'metadata':{'name':'web','namespace':'default','generation':1,
                   'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'new\\n'}},
                 'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},
                   'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},
                   'revisionHistoryLimit':10,'progressDeadlineSeconds':600,
                   'template':{'metadata':{'labels':{'app':'web'}},'spec':{
                     'containers':[
                       {'name':'sidecar','image':'busybox','args':['sleep','3600'],'resources':{},
                        'terminationMessagePath':'/dev/termination-log','terminationMessagePolicy':'File',
                        'imagePullPolicy':'Always'},
                       {'name':'web','image':'nginx:1.27',
                        'ports':[{'containerPort':80,'protocol':'TCP'}],
                        'env':[{'name':'A','value':'1'}],
                        'resources':{},'terminationMessagePath':'/dev/termination-log',
                        'terminationMessagePolicy':'File','imagePullPolicy':'IfNotPresent'}],
                     'restartPolicy':'Always','terminationGracePeriodSeconds':30,'dnsPolicy':'ClusterFirst',
                     'securityContext':{},'schedulerName':'default-scheduler'}}}}
                """);
        assertEquals(expected, result);
    }

    @Test
    void newListElementsGoBeforeLiveOnesWithoutOrderDirectiveAsInKubernetes() {
        JsonNode result = smp(liveDeployment(), """
                {'spec':{'template':{'spec':{'containers':[{'name':'web','env':[{'name':'C','value':'3'}]}]}}}}
                """);
        assertEquals(parse("[{'name':'C','value':'3'},{'name':'A','value':'1'},{'name':'B','value':'2'}]"),
                result.at("/spec/template/spec/containers/0/env"));
    }

    @Test
    void patchReplaceDirectiveReplacesWholeList() {
        JsonNode result = smp(liveDeployment(), """
                {'spec':{'template':{'spec':{'containers':[{'name':'only','image':'x'},{'$patch':'replace'}]}}}}
                """);
        assertEquals(parse("[{'name':'only','image':'x'}]"), result.at("/spec/template/spec/containers"));
    }

    @Test
    void patchReplaceDirectiveOnMapReplacesMap() {
        JsonNode result = smp(liveDeployment(), """
                {'spec':{'selector':{'$patch':'replace','matchLabels':{'tier':'x'}}}}
                """);
        assertEquals(parse("{'matchLabels':{'tier':'x'}}"), result.at("/spec/selector"));
    }

    @Test
    void patchDeleteDirectiveOnMapEmptiesIt() {
        JsonNode result = smp(liveDeployment(), "{'spec':{'strategy':{'$patch':'delete'}}}");
        assertEquals(parse("{}"), result.at("/spec/strategy"));
    }

    @Test
    void nullDeletesFieldsAndUnknownListsAreReplaced() {
        JsonNode result = smp(liveDeployment(), """
                {'spec':{'revisionHistoryLimit':null,'template':{'spec':{'containers':[{'name':'sidecar','args':['sleep','1']}]}}}}
                """);
        assertEquals(true, result.at("/spec/revisionHistoryLimit").isMissingNode());
        assertEquals(parse("['sleep','1']"), result.at("/spec/template/spec/containers/1/args"));
    }

    @Test
    void finalizersMergeAsSetAndDeleteFromPrimitiveListRemoves() {
        ObjectNode pod = obj("{'metadata':{'name':'p','finalizers':['a','b']}}");
        JsonNode added = StrategicMergePatch.apply(pod, parse("{'metadata':{'finalizers':['b','c']}}"), io.fabric8.kubernetes.api.model.Pod.class);
        assertEquals(parse("['a','b','c']"), added.at("/metadata/finalizers"));
        JsonNode removed = StrategicMergePatch.apply(added,
                parse("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a','c']}}"), io.fabric8.kubernetes.api.model.Pod.class);
        assertEquals(parse("['b']"), removed.at("/metadata/finalizers"));
    }

    @Test
    void setElementOrderOrdersPrimitiveList() {
        ObjectNode pod = obj("{'metadata':{'finalizers':['a','b']}}");
        JsonNode result = StrategicMergePatch.apply(pod,
                parse("{'metadata':{'$setElementOrder/finalizers':['b','c','a'],'finalizers':['c']}}"), io.fabric8.kubernetes.api.model.Pod.class);
        assertEquals(parse("['b','c','a']"), result.at("/metadata/finalizers"));
    }

    @Test
    void servicePortsMergeByPortAndOwnerReferencesByUid() {
        ObjectNode svc = obj("""
                {'metadata':{'ownerReferences':[{'uid':'1','name':'a','kind':'X','apiVersion':'v1'}]},
                 'spec':{'ports':[{'port':80,'targetPort':8080,'protocol':'TCP'}],'selector':{'app':'a'}}}
                """);
        JsonNode result = StrategicMergePatch.apply(svc, parse("""
                {'metadata':{'ownerReferences':[{'uid':'1','name':'renamed'}]},
                 'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443,'protocol':'TCP'}]}}
                """), io.fabric8.kubernetes.api.model.Service.class);
        assertEquals(parse("[{'port':80,'targetPort':9090,'protocol':'TCP'},{'port':443,'protocol':'TCP'}]"),
                result.at("/spec/ports"));
        assertEquals("renamed", result.at("/metadata/ownerReferences/0/name").asText());
        assertEquals("X", result.at("/metadata/ownerReferences/0/kind").asText());
    }

    @Test
    void nodeTaintsAreReplacedAndConditionsMergeByType() {
        ObjectNode node = obj("""
                {'spec':{'taints':[{'key':'a','effect':'NoSchedule'}]},
                 'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'DiskPressure','status':'False'}]}}
                """);
        JsonNode result = StrategicMergePatch.apply(node, parse("""
                {'spec':{'taints':[{'key':'b','effect':'NoExecute'}],'unschedulable':true},
                 'status':{'conditions':[{'type':'Ready','status':'False'}]}}
                """), io.fabric8.kubernetes.api.model.Node.class);
        assertEquals(parse("[{'key':'b','effect':'NoExecute'}]"), result.at("/spec/taints"));
        assertEquals(parse("[{'type':'Ready','status':'False'},{'type':'DiskPressure','status':'False'}]"),
                result.at("/status/conditions"));
        assertEquals(true, result.at("/spec/unschedulable").asBoolean());
    }

    @Test
    void volumesRetainKeysSwitchesVolumeSource() {
        ObjectNode pod = obj("{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}");
        JsonNode result = StrategicMergePatch.apply(pod, parse("""
                {'spec':{'volumes':[{'$retainKeys':['configMap','name'],'name':'v','configMap':{'name':'cm'}}]}}
                """), io.fabric8.kubernetes.api.model.Pod.class);
        assertEquals(parse("[{'name':'v','configMap':{'name':'cm'}}]"), result.at("/spec/volumes"));
    }

    @Test
    void labelsMergeAndNullRemovesALabel() {
        ObjectNode cm = obj("{'metadata':{'labels':{'a':'1','b':'2'}},'data':{'k':'v'}}");
        JsonNode result = StrategicMergePatch.apply(cm,
                parse("{'metadata':{'labels':{'a':null,'c':'3'}},'data':{'k2':'v2'}}"), io.fabric8.kubernetes.api.model.ConfigMap.class);
        assertEquals(parse("{'b':'2','c':'3'}"), result.at("/metadata/labels"));
        assertEquals(parse("{'k':'v','k2':'v2'}"), result.at("/data"));
    }

    @Test
    void cordonAndUncordonPatchUnschedulable() {
        ObjectNode node = obj("{'metadata':{'name':'n'},'spec':{'podCIDR':'10.244.1.0/24'}}");
        JsonNode cordoned = StrategicMergePatch.apply(node, parse("{'spec':{'unschedulable':true}}"), io.fabric8.kubernetes.api.model.Node.class);
        JsonNode uncordoned = StrategicMergePatch.apply(cordoned, parse("{'spec':{'unschedulable':null}}"), io.fabric8.kubernetes.api.model.Node.class);
        assertEquals(node, uncordoned);
    }

    @Test
    void listElementWithoutMergeKeyIsRejected() {
        PatchException e = assertThrows(PatchException.class, () -> smp(liveDeployment(),
                "{'spec':{'template':{'spec':{'containers':[{'image':'x'}]}}}}"));
        assertEquals("map: {\"image\":\"x\"} does not contain declared merge key: name", e.getMessage());
    }

    @Test
    void unknownPatchDirectiveIsRejected() {
        assertThrows(PatchException.class, () -> smp(liveDeployment(), "{'spec':{'$patch':'explode'}}"));
        assertThrows(PatchException.class, () -> StrategicMergePatch.apply(liveDeployment(), parse("[]"),
                io.fabric8.kubernetes.api.model.apps.Deployment.class));
    }

    @Test
    void originalIsNotModified() {
        ObjectNode live = liveDeployment();
        smp(live, "{'spec':{'replicas':9}}");
        assertEquals(liveDeployment(), live);
    }
}
