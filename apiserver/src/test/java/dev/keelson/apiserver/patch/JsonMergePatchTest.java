package dev.keelson.apiserver.patch;

import org.junit.jupiter.api.Test;

import static dev.keelson.apiserver.patch.Json.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonMergePatchTest {

    @Test
    void mergesObjectsDeletesNullsAndReplacesLists() {
        assertEquals(parse("{'a':'z','c':{'d':'e'},'l':[3]}"), JsonMergePatch.apply(
                parse("{'a':'b','c':{'d':'e','f':'g'},'l':[1,2]}"),
                parse("{'a':'z','c':{'f':null},'l':[3]}")));
    }

    @Test
    void scalePatchSetsReplicas() {
        assertEquals(parse("{'spec':{'replicas':5},'status':{'replicas':3}}"), JsonMergePatch.apply(
                parse("{'spec':{'replicas':3},'status':{'replicas':3}}"), parse("{'spec':{'replicas':5}}")));
    }

    @Test
    void nonObjectPatchReplacesTarget() {
        assertEquals(parse("['x']"), JsonMergePatch.apply(parse("{'a':1}"), parse("['x']")));
        assertEquals(parse("{'a':{'b':1}}"), JsonMergePatch.apply(parse("{'a':'s'}"), parse("{'a':{'b':1,'c':null}}")));
    }
}
