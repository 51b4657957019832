package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static dev.keelson.apiserver.patch.Json.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonPatchTest {

    @Test
    void appliesEveryOperationWithPointerEscapingAndDashIndex() {
        JsonNode doc = parse("{'metadata':{'annotations':{'a/b':'1','c~d':'2'}},'list':[1,2],'x':{'y':1}}");
        JsonNode ops = parse("""
                [{'op':'add','path':'/list/-','value':3},
                 {'op':'replace','path':'/metadata/annotations/a~1b','value':'one'},
                 {'op':'remove','path':'/metadata/annotations/c~0d'},
                 {'op':'copy','from':'/x','path':'/z'},
                 {'op':'move','from':'/x/y','path':'/w'},
                 {'op':'test','path':'/w','value':1},
                 {'op':'add','path':'/list/0','value':0}]
                """);
        assertEquals(parse("{'metadata':{'annotations':{'a/b':'one'}},'list':[0,1,2,3],'x':{},'z':{'y':1},'w':1}"),
                JsonPatch.apply(doc, ops));
        assertEquals(parse("{'metadata':{'annotations':{'a/b':'1','c~d':'2'}},'list':[1,2],'x':{'y':1}}"), doc);
    }

    @Test
    void rolloutUndoReplacesTemplateAndAnnotations() {
        JsonNode doc = parse("{'metadata':{'annotations':{'r':'3'}},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'v3'}]}}}}");
        JsonNode ops = parse("""
                [{'op':'replace','path':'/spec/template','value':{'spec':{'containers':[{'name':'a','image':'v1'}]}}},
                 {'op':'replace','path':'/metadata/annotations','value':{'r':'1'}}]
                """);
        assertEquals(parse("{'metadata':{'annotations':{'r':'1'}},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'v1'}]}}}}"),
                JsonPatch.apply(doc, ops));
    }

    @Test
    void failedTestOperationAndMissingPathAreRejected() {
        JsonNode doc = parse("{'a':1}");
        assertThrows(PatchException.class, () -> JsonPatch.apply(doc, parse("[{'op':'test','path':'/a','value':2}]")));
        assertThrows(PatchException.class, () -> JsonPatch.apply(doc, parse("[{'op':'remove','path':'/b'}]")));
        assertThrows(PatchException.class, () -> JsonPatch.apply(doc, parse("[{'op':'replace','path':'/b/c','value':1}]")));
        assertThrows(PatchException.class, () -> JsonPatch.apply(doc, parse("[{'op':'jump','path':'/a'}]")));
        assertThrows(PatchException.class, () -> JsonPatch.apply(doc, parse("{'op':'add'}")));
    }
}
