package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TablePrintersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2025-01-10T12:00:00Z");

    private static ObjectNode obj(String singleQuoted) throws Exception {
        return (ObjectNode) JSON.readTree(singleQuoted.replace('\'', '"'));
    }

    private static final Resources KINDS = Resources.builtIn(new PodStrategy(),
            new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767));

    /** The printer a built-in resource's strategy names. */
    private static TablePrinter printer(String group, String plural) {
        return KINDS.find(group, "v1", plural).strategy().printer();
    }

    private static List<String> headers(TablePrinter p, int maxPriority) {
        return p.columnDefinitions().stream().filter(c -> c.path("priority").asInt() <= maxPriority)
                .map(c -> c.path("name").asText()).toList();
    }

    @Test
    void humanDurationMatchesKubernetes() {
        assertEquals("5s", Format.humanDuration(Duration.ofSeconds(5)));
        assertEquals("119s", Format.humanDuration(Duration.ofSeconds(119)));
        assertEquals("3m2s", Format.humanDuration(Duration.ofSeconds(182)));
        assertEquals("5m", Format.humanDuration(Duration.ofMinutes(5)));
        assertEquals("42m", Format.humanDuration(Duration.ofMinutes(42)));
        assertEquals("5h3m", Format.humanDuration(Duration.ofMinutes(303)));
        assertEquals("10h", Format.humanDuration(Duration.ofHours(10)));
        assertEquals("2d", Format.humanDuration(Duration.ofHours(48)));
        assertEquals("3d4h", Format.humanDuration(Duration.ofHours(76)));
        assertEquals("30d", Format.humanDuration(Duration.ofDays(30)));
        assertEquals("2y10d", Format.humanDuration(Duration.ofDays(740)));
        assertEquals("0s", Format.humanDuration(Duration.ofMillis(-1500)));
        assertEquals("<invalid>", Format.humanDuration(Duration.ofSeconds(-5)));
    }

    @Test
    void runningPodShowsReadyStatusRestartsWithLastRestartAndWideColumns() throws Exception {
        ObjectNode pod = obj("""
                {'metadata':{'name':'web-1','namespace':'default','creationTimestamp':'2025-01-10T11:55:00Z'},
                 'spec':{'nodeName':'node-1','containers':[{'name':'a'},{'name':'b'}]},
                 'status':{'phase':'Running','podIP':'10.244.0.5','podIPs':[{'ip':'10.244.0.5'}],
                   'conditions':[{'type':'Ready','status':'False'}],
                   'containerStatuses':[
                     {'name':'a','ready':true,'restartCount':3,'state':{'running':{}},
                      'lastState':{'terminated':{'exitCode':1,'finishedAt':'2025-01-10T11:59:00Z'}}},
                     {'name':'b','ready':false,'restartCount':0,'state':{'running':{}}}]}}
                """);
        TablePrinter p = printer("", "pods");
        assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age"), headers(p, 0));
        assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
                "Readiness Gates"), headers(p, 1));
        assertEquals(List.of("web-1", "1/2", "Running", "3 (60s ago)", "5m", "10.244.0.5", "node-1", "<none>", "<none>"),
                p.cells(pod, NOW));
    }

    @Test
    void podStatusReasonsFollowKubernetes() throws Exception {
        TablePrinter p = printer("", "pods");
        ObjectNode pending = obj("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Pending'}}");
        assertEquals("Pending", p.cells(pending, NOW).get(2));
        ObjectNode creating = obj("""
                {'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Pending',
                 'containerStatuses':[{'name':'a','restartCount':0,'state':{'waiting':{'reason':'ContainerCreating'}}}]}}
                """);
        assertEquals("ContainerCreating", p.cells(creating, NOW).get(2));
        ObjectNode crash = obj("""
                {'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running',
                 'containerStatuses':[{'name':'a','restartCount':4,'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}
                """);
        assertEquals(List.of("0/1", "CrashLoopBackOff", "4"), p.cells(crash, NOW).subList(1, 4));
        ObjectNode completed = obj("""
                {'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Succeeded',
                 'containerStatuses':[{'name':'a','restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}
                """);
        assertEquals("Completed", p.cells(completed, NOW).get(2));
        ObjectNode exit = obj("""
                {'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Failed',
                 'containerStatuses':[{'name':'a','restartCount':0,'state':{'terminated':{'exitCode':3}}}]}}
                """);
        assertEquals("ExitCode:3", p.cells(exit, NOW).get(2));
        ObjectNode init = obj("""
                {'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i1'},{'name':'i2'}],'containers':[{'name':'a'}]},
                 'status':{'phase':'Pending','initContainerStatuses':[
                   {'name':'i1','restartCount':0,'state':{'terminated':{'exitCode':0}}},
                   {'name':'i2','restartCount':0,'state':{'running':{}}}]}}
                """);
        assertEquals("Init:1/2", p.cells(init, NOW).get(2));
        ObjectNode terminating = obj("""
                {'metadata':{'name':'p','deletionTimestamp':'2025-01-10T12:00:00Z'},'spec':{'containers':[{'name':'a'}]},
                 'status':{'phase':'Running','containerStatuses':[{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}}]}}
                """);
        assertEquals("Terminating", p.cells(terminating, NOW).get(2));
    }

    @Test
    void replicationControllerPodTemplateAndControllerRevisionColumns() throws Exception {
        ObjectNode rc = obj("""
                {'metadata':{'name':'web','creationTimestamp':'2025-01-08T12:00:00Z'},
                 'spec':{'replicas':3,'selector':{'tier':'fe','app':'web'},
                   'template':{'spec':{'containers':[{'name':'nginx','image':'nginx:1.27'}]}}},
                 'status':{'replicas':3,'readyReplicas':1}}
                """);
        TablePrinter p = printer("", "replicationcontrollers");
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age"), headers(p, 0));
        assertEquals(List.of("web", 3, 3, 1, "2d", "nginx", "nginx:1.27", "app=web,tier=fe"), p.cells(rc, NOW));
        ObjectNode template = obj("""
                {'metadata':{'name':'t'},'template':{'metadata':{'labels':{'b':'2','a':'1'}},
                 'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}}}
                """);
        TablePrinter pt = printer("", "podtemplates");
        assertEquals(List.of("Name", "Containers", "Images", "Pod Labels"), headers(pt, 1));
        assertEquals(List.of("t", "a,b", "x,y", "a=1,b=2"), pt.cells(template, NOW));
        ObjectNode revision = obj("""
                {'metadata':{'name':'ds-1','creationTimestamp':'2025-01-10T11:00:00Z','ownerReferences':[
                  {'apiVersion':'apps/v1','kind':'DaemonSet','name':'fluentd','uid':'u','controller':true}]},
                 'revision':4,'data':{}}
                """);
        TablePrinter cr = printer("apps", "controllerrevisions");
        assertEquals(List.of("Name", "Controller", "Revision", "Age"), headers(cr, 1));
        assertEquals(List.of("ds-1", "daemonset.apps/fluentd", 4L, "60m"), cr.cells(revision, NOW));
        assertEquals("<none>", cr.cells(obj("{'metadata':{'name':'x'},'revision':1}"), NOW).get(1));
    }

    @Test
    void limitRangeShowsItsCreationTimeAndQuotaItsUsage() throws Exception {
        ObjectNode lr = obj("{'metadata':{'name':'l','creationTimestamp':'2025-01-08T12:00:00Z'}}");
        TablePrinter p = printer("", "limitranges");
        assertEquals(List.of("Name", "Created At"), headers(p, 1));
        assertEquals(List.of("l", "2025-01-08T12:00:00Z"), p.cells(lr, NOW));
        ObjectNode quota = obj("""
                {'metadata':{'name':'q','creationTimestamp':'2025-01-10T11:59:00Z'},
                 'status':{'hard':{'pods':'10','requests.cpu':'1000m','limits.memory':'2Gi','limits.cpu':'2'},
                   'used':{'pods':'3','requests.cpu':'250m','limits.cpu':'500m'}}}
                """);
        TablePrinter q = printer("", "resourcequotas");
        assertEquals(List.of("Name", "Age", "Request", "Limit"), headers(q, 1));
        assertEquals(List.of("q", "60s", "pods: 3/10, requests.cpu: 250m/1", "limits.cpu: 500m/2, limits.memory: 0/2Gi"),
                q.cells(quota, NOW));
    }

    @Test
    void deploymentAndReplicaSetColumns() throws Exception {
        ObjectNode d = obj("""
                {'metadata':{'name':'web','creationTimestamp':'2025-01-08T12:00:00Z'},
                 'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web','tier':'fe'}},
                   'template':{'spec':{'containers':[{'name':'nginx','image':'nginx:1.27'},{'name':'side','image':'busybox'}]}}},
                 'status':{'readyReplicas':2,'updatedReplicas':3,'availableReplicas':2}}
                """);
        TablePrinter p = printer("apps", "deployments");
        assertEquals(List.of("Name", "Ready", "Up-to-date", "Available", "Age"), headers(p, 0));
        assertEquals(List.of("web", "2/3", 3, 2, "2d", "nginx,side", "nginx:1.27,busybox", "app=web,tier=fe"),
                p.cells(d, NOW));
        TablePrinter rs = printer("apps", "replicasets");
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age"), headers(rs, 0));
        assertEquals(List.of("web", 3, 0, 2), rs.cells(d, NOW).subList(0, 4));
    }

    @Test
    void serviceColumnsRenderPortsAndExternalIps() throws Exception {
        TablePrinter p = printer("", "services");
        ObjectNode nodePort = obj("""
                {'metadata':{'name':'web'},'spec':{'type':'NodePort','clusterIP':'10.96.0.10','clusterIPs':['10.96.0.10'],
                 'ports':[{'port':80,'nodePort':30080,'protocol':'TCP'},{'port':53,'protocol':'UDP'}],'selector':{'app':'web'}}}
                """);
        assertEquals(List.of("web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "<unknown>", "app=web"),
                p.cells(nodePort, NOW));
        ObjectNode lb = obj("{'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.11','ports':[{'port':80,'protocol':'TCP'}]}}");
        assertEquals("<pending>", p.cells(lb, NOW).get(3));
        ObjectNode headless = obj("{'metadata':{'name':'h'},'spec':{'type':'ClusterIP','clusterIP':'None','clusterIPs':['None']}}");
        assertEquals(List.of("None", "<none>", "<none>"), p.cells(headless, NOW).subList(2, 5));
    }

    @Test
    void endpointsShowAtMostThreeAddresses() throws Exception {
        ObjectNode ep = obj("""
                {'metadata':{'name':'web'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'},{'ip':'10.0.0.3'},{'ip':'10.0.0.4'}],
                 'ports':[{'port':80}]}]}
                """);
        assertEquals("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...",
                printer("", "endpoints").cells(ep, NOW).get(1));
        assertEquals("<none>", printer("", "endpoints").cells(obj("{'metadata':{'name':'x'}}"), NOW).get(1));
    }

    @Test
    void nodeStatusRolesAndWideColumns() throws Exception {
        ObjectNode node = obj("""
                {'metadata':{'name':'n1','labels':{'node-role.kubernetes.io/control-plane':'','node-role.kubernetes.io/worker':''}},
                 'spec':{'unschedulable':true},
                 'status':{'conditions':[{'type':'Ready','status':'True'}],'addresses':[{'type':'InternalIP','address':'10.0.0.5'}],
                   'nodeInfo':{'kubeletVersion':'v1.32.0','osImage':'Debian GNU/Linux 12 (bookworm)','kernelVersion':'6.1.0',
                     'containerRuntimeVersion':'docker://20.10.24'}}}
                """);
        TablePrinter p = printer("", "nodes");
        assertEquals(List.of("n1", "Ready,SchedulingDisabled", "control-plane,worker", "<unknown>", "v1.32.0", "10.0.0.5",
                "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0", "docker://20.10.24"), p.cells(node, NOW));
        ObjectNode bare = obj("{'metadata':{'name':'n2'},'status':{'conditions':[{'type':'Ready','status':'Unknown'}]}}");
        assertEquals(List.of("n2", "NotReady", "<none>"), p.cells(bare, NOW).subList(0, 3));
    }

    @Test
    void smallKindsHaveKubernetesColumns() throws Exception {
        assertEquals(List.of("Name", "Status", "Age"), headers(printer("", "namespaces"), 0));
        assertEquals(List.of("cm", 2, "<unknown>"), printer("", "configmaps")
                .cells(obj("{'metadata':{'name':'cm'},'data':{'a':'1'},'binaryData':{'b':'AA=='}}"), NOW));
        assertEquals(List.of("s", "Opaque", 1, "<unknown>"), printer("", "secrets")
                .cells(obj("{'metadata':{'name':'s'},'type':'Opaque','data':{'a':'MQ=='}}"), NOW));
        assertEquals(List.of("default", 0, "<unknown>"), printer("", "serviceaccounts")
                .cells(obj("{'metadata':{'name':'default'}}"), NOW));
        assertEquals(List.of("l", "node-1", "<unknown>"), printer("coordination.k8s.io", "leases")
                .cells(obj("{'metadata':{'name':'l'},'spec':{'holderIdentity':'node-1'}}"), NOW));
        assertEquals(List.of("s1", "IPv4", "80", "10.0.0.1,10.0.0.2", "<unknown>"),
                printer("discovery.k8s.io", "endpointslices").cells(obj("""
                        {'metadata':{'name':'s1'},'addressType':'IPv4','ports':[{'port':80}],
                         'endpoints':[{'addresses':['10.0.0.1']},{'addresses':['10.0.0.2']}]}"""), NOW));
        assertEquals(List.of("Name", "Age"), headers(TablePrinters.DEFAULT, 1));
    }

    @Test
    void eventRowsShowLastSeenTypeReasonObjectMessage() throws Exception {
        ObjectNode ev = obj("""
                {'metadata':{'name':'web.1'},'involvedObject':{'kind':'Pod','name':'web','fieldPath':'spec.containers{a}'},
                 'reason':'Pulled','message':' pulled ','type':'Normal','count':2,'source':{'component':'kubelet','host':'n1'},
                 'firstTimestamp':'2025-01-10T11:50:00Z','lastTimestamp':'2025-01-10T11:59:30Z'}
                """);
        TablePrinter p = printer("", "events");
        assertEquals(List.of("Last Seen", "Type", "Reason", "Object", "Message"), headers(p, 0));
        assertEquals(List.of("30s", "Normal", "Pulled", "pod/web", "spec.containers{a}", "kubelet, n1", "pulled",
                "10m", 2L, "web.1"), p.cells(ev, NOW));
        ObjectNode v1 = obj("""
                {'metadata':{'name':'e'},'regarding':{'kind':'Node','name':'n1'},'reason':'Ready','note':'ok','type':'Normal',
                 'eventTime':'2025-01-10T11:59:00.000000Z','reportingController':'keelson-kubelet'}
                """);
        assertEquals(List.of("60s", "Normal", "Ready", "node/n1", "", "keelson-kubelet", "ok", "60s", 1L, "e"),
                printer("events.k8s.io", "events").cells(v1, NOW));
    }

    @Test
    void tableCarriesResourceVersionRowObjectsAndNameFormat() throws Exception {
        ObjectNode cm = obj("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cm','namespace':'ns','labels':{'a':'b'}},'data':{}}");
        TablePrinter p = printer("", "configmaps");
        JsonNode table = TablePrinters.toTable(p, List.of(cm), "42", false, NOW);
        assertEquals("Table", table.path("kind").asText());
        assertEquals("meta.k8s.io/v1", table.path("apiVersion").asText());
        assertEquals("42", table.at("/metadata/resourceVersion").asText());
        assertEquals("name", table.at("/columnDefinitions/0/format").asText());
        assertEquals(JSON.readTree("[\"cm\",0,\"<unknown>\"]"), table.at("/rows/0/cells"));
        assertEquals("PartialObjectMetadata", table.at("/rows/0/object/kind").asText());
        assertEquals("ns", table.at("/rows/0/object/metadata/namespace").asText());
        JsonNode full = TablePrinters.toTable(p, List.of(cm), "42", true, NOW);
        assertEquals(cm, full.at("/rows/0/object"));
    }
}
