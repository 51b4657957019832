package dev.keelson.apiserver.apiextensions;

import dev.keelson.apiserver.validation.Formats;
import java.net.URI;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The string formats kube-apiserver checks in custom resources (apiextensions' supported formats, as go-openapi's
 * strfmt parses them). Formats outside that list are not checked, as Kubernetes strips them before validating.
 */
final class StringFormats {
    private static final Pattern UUID = Pattern.compile(
            "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
    private static final Pattern UUID3 = Pattern.compile(
            "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
    private static final Pattern UUID4 = Pattern.compile(
            "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
    private static final Pattern UUID5 = Pattern.compile(
            "(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
    private static final Pattern HOSTNAME = Pattern.compile(
            "^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)|([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}"
                    + "\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}([a-zA-Z\\p{L}]){2,63})$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    private static final Pattern MAC = Pattern.compile(
            "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^([0-9A-Fa-f]{4}\\.){2}[0-9A-Fa-f]{4}$");
    private static final Pattern HEXCOLOR = Pattern.compile("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
    private static final Pattern RGBCOLOR = Pattern.compile(
            "^rgb\\(\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*,"
                    + "\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*\\)$");
    private static final Pattern SSN = Pattern.compile("^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$");
    private static final Pattern BSON = Pattern.compile("^[0-9a-fA-F]{24}$");
    private static final Pattern DURATION = Pattern.compile(
            "^(([+-]?(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+|0|[+-]?\\d+\\s*(ns|us|ms|s|m|h|d|w|"
                    + "nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?))$");

    private StringFormats() {}

    /** Whether {@code v} has {@code format}; unknown formats always pass. */
    static boolean valid(String format, String v) {
        return switch (format.replace("-", "")) {
            case "datetime" -> dateTime(v);
            case "date" -> date(v);
            case "uuid" -> UUID.matcher(v).matches();
            case "uuid3" -> UUID3.matcher(v).matches();
            case "uuid4" -> UUID4.matcher(v).matches();
            case "uuid5" -> UUID5.matcher(v).matches();
            case "ipv4" -> Formats.isIpv4(v);
            case "ipv6" -> Formats.isIpv6(v);
            case "cidr" -> Formats.cidr(v).isEmpty();
            case "hostname" -> v.length() <= 255 && HOSTNAME.matcher(v).matches();
            case "email" -> EMAIL.matcher(v).matches();
            case "mac" -> MAC.matcher(v).matches();
            case "uri" -> uri(v);
            case "byte" -> base64(v);
            case "hexcolor" -> HEXCOLOR.matcher(v).matches();
            case "rgbcolor" -> RGBCOLOR.matcher(v).matches();
            case "ssn" -> SSN.matcher(v).matches();
            case "bsonobjectid" -> BSON.matcher(v).matches();
            case "duration" -> DURATION.matcher(v).matches();
            default -> true;
        };
    }

    private static boolean dateTime(String v) {
        try {
            OffsetDateTime.parse(v);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static boolean date(String v) {
        try {
            LocalDate.parse(v);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static boolean uri(String v) {
        try {
            URI u = new URI(v);
            return u.isAbsolute() || v.startsWith("/");
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static boolean base64(String v) {
        try {
            Base64.getDecoder().decode(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
