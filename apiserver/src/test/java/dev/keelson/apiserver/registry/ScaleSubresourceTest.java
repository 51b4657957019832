package dev.keelson.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import org.junit.jupiter.api.Test;

class ScaleSubresourceTest {

    private static ObjectNode obj(String singleQuoted) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
    }

    @Test
    void workloadSelectorIsRenderedInTheStringSyntax() throws Exception {
        ObjectNode d = obj("{'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'},"
                + "'matchExpressions':[{'key':'tier','operator':'In','values':['a','b']},"
                + "{'key':'canary','operator':'DoesNotExist'}]}},'status':{'replicas':2}}");
        assertEquals(3, ScaleSubresource.WORKLOAD.specReplicas(d));
        assertEquals(2, ScaleSubresource.WORKLOAD.statusReplicas(d));
        assertEquals("app=web,!canary,tier in (a,b)", ScaleSubresource.WORKLOAD.selector(d));
    }

    @Test
    void replicationControllerSelectorIsALabelMap() throws Exception {
        ObjectNode rc = obj("{'spec':{'replicas':1,'selector':{'tier':'front','app':'web'}}}");
        assertEquals("app=web,tier=front", ScaleSubresource.REPLICATION_CONTROLLER.selector(rc));
        assertEquals(0, ScaleSubresource.REPLICATION_CONTROLLER.statusReplicas(rc));
    }

    @Test
    void customPathsAreReadAndWrittenWhereTheRegistrationSays() throws Exception {
        ScaleSubresource paths = new ScaleSubresource(".spec.workers.count", ".status.workers", ".status.selector",
                ScaleSubresource.SelectorForm.STRING);
        ObjectNode cr = obj("{'spec':{},'status':{'workers':4,'selector':'app=w'}}");
        assertEquals(0, paths.specReplicas(cr));
        paths.setSpecReplicas(cr, 5);
        assertEquals(5, cr.at("/spec/workers/count").asInt());
        assertEquals(5, paths.specReplicas(cr));
        assertEquals(4, paths.statusReplicas(cr));
        assertEquals("app=w", paths.selector(cr));
    }
}
