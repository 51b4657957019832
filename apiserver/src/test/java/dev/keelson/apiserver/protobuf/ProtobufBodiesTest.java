package dev.keelson.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Batch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProtobufBodiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] envelope(String apiVersion, String kind, Message object) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{0x6b, 0x38, 0x73, 0x00});
        Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(object.toByteString()).setContentEncoding("").setContentType("")
                .build().writeTo(out);
        return out.toByteArray();
    }

    private static JsonNode json(String singleQuoted) throws Exception {
        return JSON.readTree(singleQuoted.replace('\'', '"'));
    }

    /** ObjectMeta the way Go's generated marshaller writes it: every non-pointer field, empty ones too. */
    private static Meta.ObjectMeta.Builder meta(String name) {
        return Meta.ObjectMeta.newBuilder().setName(name).setGenerateName("").setNamespace("").setSelfLink("")
                .setUid("").setResourceVersion("").setGeneration(0).setCreationTimestamp(Meta.Time.newBuilder());
    }

    @Test
    void createDeploymentBodyDecodesToWhatKubectlDryRunPrints() throws Exception {
        V1Apps.Deployment d = V1Apps.Deployment.newBuilder()
                .setMetadata(meta("x").putLabels("app", "x"))
                .setSpec(V1Apps.DeploymentSpec.newBuilder().setReplicas(1)
                        .setSelector(Meta.LabelSelector.newBuilder().putMatchLabels("app", "x"))
                        .setTemplate(V1.PodTemplateSpec.newBuilder()
                                .setMetadata(meta("").putLabels("app", "x"))
                                .setSpec(V1.PodSpec.newBuilder().addContainers(V1.Container.newBuilder()
                                        .setName("nginx").setImage("nginx").setWorkingDir("").setStdin(false)
                                        .setResources(V1.ResourceRequirements.newBuilder()))))
                        .setStrategy(V1Apps.DeploymentStrategy.newBuilder().setType(""))
                        .setMinReadySeconds(0).setPaused(false))
                .setStatus(V1Apps.DeploymentStatus.newBuilder().setObservedGeneration(0).setReplicas(0))
                .build();
        // kubectl create deployment x --image=nginx --dry-run=client -o json, without its creationTimestamp nulls
        assertEquals(json("""
                {'kind':'Deployment','apiVersion':'apps/v1','metadata':{'name':'x','labels':{'app':'x'}},
                 'spec':{'replicas':1,'selector':{'matchLabels':{'app':'x'}},
                   'template':{'metadata':{'labels':{'app':'x'}},
                     'spec':{'containers':[{'name':'nginx','image':'nginx','resources':{}}]}},
                   'strategy':{}},
                 'status':{}}
                """), ProtobufBodies.decode(envelope("apps/v1", "Deployment", d)));
    }

    @Test
    void zeroReplicasIsKept() throws Exception {
        V1Apps.Deployment d = V1Apps.Deployment.newBuilder().setMetadata(meta("z"))
                .setSpec(V1Apps.DeploymentSpec.newBuilder().setReplicas(0)).build();
        assertEquals(0, ProtobufBodies.decode(envelope("apps/v1", "Deployment", d)).at("/spec/replicas").asInt(-1));
    }

    @Test
    void secretBytesBecomeBase64AndConfigMapDataStaysText() throws Exception {
        V1.Secret s = V1.Secret.newBuilder().setMetadata(meta("s"))
                .putData("password", ByteString.copyFrom("hunter2", StandardCharsets.UTF_8)).setType("Opaque").build();
        assertEquals(json("{'kind':'Secret','apiVersion':'v1','metadata':{'name':'s'},'data':{'password':'aHVudGVyMg=='},'type':'Opaque'}"),
                ProtobufBodies.decode(envelope("v1", "Secret", s)));
        V1.ConfigMap cm = V1.ConfigMap.newBuilder().setMetadata(meta("cm").setNamespace("ns")).putData("k", "v").build();
        assertEquals(json("{'kind':'ConfigMap','apiVersion':'v1','metadata':{'name':'cm','namespace':'ns'},'data':{'k':'v'}}"),
                ProtobufBodies.decode(envelope("v1", "ConfigMap", cm)));
    }

    @Test
    void namespaceServiceAccountAndServiceDecode() throws Exception {
        V1.Namespace ns = V1.Namespace.newBuilder().setMetadata(meta("team"))
                .setSpec(V1.NamespaceSpec.newBuilder()).setStatus(V1.NamespaceStatus.newBuilder().setPhase("")).build();
        assertEquals(json("{'kind':'Namespace','apiVersion':'v1','metadata':{'name':'team'},'spec':{},'status':{}}"),
                ProtobufBodies.decode(envelope("v1", "Namespace", ns)));
        V1.ServiceAccount sa = V1.ServiceAccount.newBuilder().setMetadata(meta("robot")).build();
        assertEquals(json("{'kind':'ServiceAccount','apiVersion':'v1','metadata':{'name':'robot'}}"),
                ProtobufBodies.decode(envelope("v1", "ServiceAccount", sa)));
        V1.Service svc = V1.Service.newBuilder().setMetadata(meta("web").putLabels("app", "web"))
                .setSpec(V1.ServiceSpec.newBuilder().setType("ClusterIP").putSelector("app", "web")
                        .addPorts(V1.ServicePort.newBuilder().setName("80-8080").setProtocol("TCP").setPort(80)
                                .setTargetPort(IntStr.IntOrString.newBuilder().setType(0).setIntVal(8080))
                                .setNodePort(0)))
                .setStatus(V1.ServiceStatus.newBuilder().setLoadBalancer(V1.LoadBalancerStatus.newBuilder()))
                .build();
        // kubectl create service clusterip web --tcp=80:8080 --dry-run=client -o json
        assertEquals(json("""
                {'kind':'Service','apiVersion':'v1','metadata':{'name':'web','labels':{'app':'web'}},
                 'spec':{'ports':[{'name':'80-8080','protocol':'TCP','port':80,'targetPort':8080}],
                   'selector':{'app':'web'},'type':'ClusterIP'},
                 'status':{'loadBalancer':{}}}
                """), ProtobufBodies.decode(envelope("v1", "Service", svc)));
    }

    @Test
    void podWithTimesQuantitiesAndStringTargetPortsDecodes() throws Exception {
        V1.Pod pod = V1.Pod.newBuilder()
                .setMetadata(meta("p").setCreationTimestamp(Meta.Time.newBuilder().setSeconds(1736510400L)))
                .setSpec(V1.PodSpec.newBuilder().addContainers(V1.Container.newBuilder().setName("c").setImage("i")
                        .setResources(V1.ResourceRequirements.newBuilder()
                                .putLimits("cpu", Resource.Quantity.newBuilder().setString("500m").build()))
                        .setReadinessProbe(V1.Probe.newBuilder().setHandler(V1.ProbeHandler.newBuilder()
                                .setHttpGet(V1.HTTPGetAction.newBuilder().setPath("/")
                                        .setPort(IntStr.IntOrString.newBuilder().setType(1).setStrVal("http")))))))
                .build();
        JsonNode decoded = ProtobufBodies.decode(envelope("v1", "Pod", pod));
        assertEquals("2025-01-10T12:00:00Z", decoded.at("/metadata/creationTimestamp").asText());
        assertEquals("500m", decoded.at("/spec/containers/0/resources/limits/cpu").asText());
        assertEquals("http", decoded.at("/spec/containers/0/readinessProbe/httpGet/port").asText());
        V1.Pod withVolume = V1.Pod.newBuilder().setSpec(V1.PodSpec.newBuilder().addVolumes(V1.Volume.newBuilder()
                .setName("cache").setVolumeSource(V1.VolumeSource.newBuilder()
                        .setEmptyDir(V1.EmptyDirVolumeSource.newBuilder().setMedium(""))))).build();
        assertEquals(json("[{'name':'cache','emptyDir':{}}]"),
                ProtobufBodies.decode(envelope("v1", "Pod", withVolume)).at("/spec/volumes"));
    }

    @Test
    void jobAndDeleteOptionsDecode() throws Exception {
        V1Batch.Job job = V1Batch.Job.newBuilder().setMetadata(meta("j"))
                .setSpec(V1Batch.JobSpec.newBuilder().setTemplate(V1.PodTemplateSpec.newBuilder().setMetadata(meta(""))
                        .setSpec(V1.PodSpec.newBuilder().setRestartPolicy("Never")
                                .addContainers(V1.Container.newBuilder().setName("j").setImage("busybox")
                                        .setResources(V1.ResourceRequirements.newBuilder())))))
                .setStatus(V1Batch.JobStatus.newBuilder()).build();
        assertEquals(json("""
                {'kind':'Job','apiVersion':'batch/v1','metadata':{'name':'j'},
                 'spec':{'template':{'metadata':{},'spec':{'containers':[{'name':'j','image':'busybox','resources':{}}],
                   'restartPolicy':'Never'}}},'status':{}}
                """), ProtobufBodies.decode(envelope("batch/v1", "Job", job)));

        // drain's 31-byte empty DeleteOptions, byte for byte as observed on the wire
        byte[] drain = {0x6b, 0x38, 0x73, 0x00, 0x0a, 0x13, 0x0a, 0x02, 'v', '1', 0x12, 0x0d,
                'D', 'e', 'l', 'e', 't', 'e', 'O', 'p', 't', 'i', 'o', 'n', 's', 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00};
        assertEquals(31, drain.length);
        assertEquals(json("{}"), ProtobufBodies.decode(drain));
        Meta.DeleteOptions opts = Meta.DeleteOptions.newBuilder().setGracePeriodSeconds(0)
                .setPropagationPolicy("Foreground").build();
        assertEquals(json("{'gracePeriodSeconds':0,'propagationPolicy':'Foreground'}"),
                ProtobufBodies.decode(envelope("v1", "DeleteOptions", opts)));
    }

    @Test
    void badBodiesAreRejectedWithClearErrors() throws Exception {
        assertThrows(ProtobufBodies.DecodeException.class, () -> ProtobufBodies.decode("{}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(ProtobufBodies.DecodeException.class, () -> ProtobufBodies.decode(new byte[]{0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f}));
        ProtobufBodies.DecodeException e = assertThrows(ProtobufBodies.DecodeException.class, () -> ProtobufBodies.decode(
                envelope("example.com/v1", "Widget", V1.ConfigMap.getDefaultInstance())));
        assertEquals("protobuf bodies for example.com/v1 Widget are not supported; send JSON", e.getMessage());
    }
}
