package dev.keelson.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FormatsTest {

    @Test
    void dns1123LabelAcceptsLowercaseAndRejectsDotsAndUppercase() {
        assertEquals(List.of(), Formats.dns1123Label("web-1"));
        assertEquals(List.of("must not contain dots"), Formats.dns1123Label("a.b"));
        assertEquals(List.of("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                + "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"), Formats.dns1123Label("Web"));
        assertEquals("must be no more than 63 characters", Formats.dns1123Label("a".repeat(64)).get(0));
    }

    @Test
    void dns1123SubdomainAllowsDotsUpTo253Characters() {
        assertEquals(List.of(), Formats.dns1123Subdomain("my.app-1"));
        assertEquals(List.of("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"), Formats.dns1123Subdomain("my_app"));
        assertEquals("must be no more than 253 characters", Formats.dns1123Subdomain("a".repeat(254)).get(0));
    }

    @Test
    void generateNamePrefixMayEndWithDash() {
        assertEquals(List.of(), Formats.nameIsDnsSubdomain("web-", true));
        assertFalse(Formats.nameIsDnsSubdomain("web-", false).isEmpty());
    }

    @Test
    void qualifiedNameChecksPrefixAndName() {
        assertEquals(List.of(), Formats.qualifiedName("app.kubernetes.io/name"));
        assertEquals(List.of("prefix part must be non-empty"), Formats.qualifiedName("/name"));
        assertEquals("name part must be non-empty", Formats.qualifiedName("example.com/").get(0));
        assertTrue(Formats.qualifiedName("a/b/c").get(0).startsWith("a qualified name must consist of"));
        assertTrue(Formats.qualifiedName("-x").get(0).startsWith("name part must consist of alphanumeric characters"));
    }

    @Test
    void labelValueMayBeEmptyButNotLongerThan63() {
        assertEquals(List.of(), Formats.labelValue(""));
        assertEquals(List.of(), Formats.labelValue("v1.2_x"));
        assertEquals("must be no more than 63 characters", Formats.labelValue("a".repeat(64)).get(0));
        assertTrue(Formats.labelValue("-bad").get(0).startsWith("a valid label must be an empty string"));
    }

    @Test
    void portNameIsAnIanaServiceName() {
        assertEquals(List.of(), Formats.portName("http-web"));
        assertEquals(List.of("must contain at least one letter (a-z)"), Formats.portName("8080"));
        assertEquals(List.of("must not contain consecutive hyphens"), Formats.portName("a--b"));
        assertEquals(List.of("must be no more than 15 characters"), Formats.portName("abcdefghijklmnop"));
        assertEquals(List.of("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"), Formats.portName("Http"));
    }

    @Test
    void portNumberRangeIsOneTo65535() {
        assertEquals(List.of(), Formats.portNum(65535));
        assertEquals(List.of("must be between 1 and 65535, inclusive"), Formats.portNum(0));
    }

    @Test
    void ipAddressesOfBothFamiliesAreRecognised() {
        for (String ok : List.of("10.96.0.1", "::1", "2001:db8::ffff", "fe80::1", "::", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8")) {
            assertTrue(Formats.isIp(ok), ok);
        }
        for (String bad : List.of("10.96.0", "256.1.1.1", "1::2::3", "12345::", "1:2:3", "example.com", "", "1.2.3.4/24")) {
            assertFalse(Formats.isIp(bad), bad);
        }
        assertEquals(List.of("must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"), Formats.ip("nope"));
    }

    @Test
    void cidrNeedsAnAddressAndPrefixLength() {
        assertEquals(List.of(), Formats.cidr("10.244.0.0/24"));
        assertEquals(List.of(), Formats.cidr("2001:db8::/64"));
        assertEquals(List.of("must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"), Formats.cidr("10.0.0.0/33"));
    }

    @Test
    void configKeysAndEnvNames() {
        assertEquals(List.of(), Formats.configMapKey("app.properties"));
        assertEquals(List.of("must not be '..'"), Formats.configMapKey(".."));
        assertTrue(Formats.configMapKey("a b").get(0).startsWith("a valid config key must consist of alphanumeric"));
        assertEquals(List.of(), Formats.envVarName("MY_VAR.x-1"));
        assertTrue(Formats.envVarName("1VAR").get(0).startsWith("a valid environment variable name must consist"));
    }
}
