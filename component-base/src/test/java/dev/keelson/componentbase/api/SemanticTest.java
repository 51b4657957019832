package dev.keelson.componentbase.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String singleQuoted) throws Exception {
        return JSON.readTree(singleQuoted.replace('\'', '"'));
    }

    @Test
    void zeroValuesEqualAbsentFieldsAndNumbersCompareByValue() throws Exception {
        assertTrue(Semantic.equal(json("{'a':'','b':0,'c':false,'d':[],'e':{'f':null}}"), json("{}")));
        assertTrue(Semantic.equal(json("{'n':1}"), json("{'n':1.0}")));
        assertFalse(Semantic.equal(json("{'n':1}"), json("{'n':2}")));
        assertTrue(Semantic.equal((JsonNode) null, json("{}")));
    }

    @Test
    void differencesNameThePathsThatDiffer() throws Exception {
        assertEquals(List.of("spec.containers[1].image", "spec.dnsPolicy"),
                Semantic.differences(json("{'containers':[{'image':'a'},{'image':'b'}],'dnsPolicy':'x'}"),
                        json("{'containers':[{'image':'a'},{'image':'c'}],'dnsPolicy':'y'}"), "spec", 10));
        assertEquals(1, Semantic.differences(json("{'a':1,'b':1}"), json("{'a':2,'b':2}"), "", 1).size());
    }

    @Test
    void modelObjectsCompareThroughTheirJson() {
        assertTrue(Semantic.equal(new EndpointPortBuilder().withPort(80).withName("").build(),
                new EndpointPortBuilder().withPort(80).build()));
        assertFalse(Semantic.equal(List.of(new EndpointPortBuilder().withPort(80).build()),
                List.of(new EndpointPortBuilder().withPort(81).build())));
    }
}
