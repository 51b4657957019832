package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * certificates.k8s.io/v1 CertificateSigningRequest, as Kubernetes' pkg/apis/certificates/validation checks it: a
 * signed PKCS#10 request, known usages without duplicates, a signer name {@code domain/path}, expirationSeconds of at
 * least 600, well-formed conditions, a certificate made of CERTIFICATE blocks; and on update, which path may change
 * what: approval conditions only through {@code /approval}, the certificate only through {@code /status}, and no
 * Approved, Denied or Failed condition ever removed.
 */
public final class CertificateValidation {
    /** The update path being validated; each allows what Kubernetes' validation options allow it. */
    public enum Path { CREATE, UPDATE, STATUS, APPROVAL }

    public static final List<String> USAGES = List.of("any", "cert sign", "client auth", "code signing",
            "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature",
            "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement",
            "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing",
            "timestamping");
    private static final Set<String> TRUE_ONLY = Set.of("Approved", "Denied", "Failed");
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n((?:[^\\r\\n:]+: [^\\r\\n]*\\r?\\n)*)([A-Za-z0-9+/=\\r\\n]*?)-----END \\1-----");

    private CertificateValidation() {
    }

    public static void validate(Errs e, ObjectNode csr, ObjectNode old, Path path) {
        MetaValidation.objectMeta(e, csr, false, (name, prefix) -> List.of());
        if (old != null) {
            MetaValidation.objectMetaUpdate(e, csr, old);
        }
        FieldPath sp = FieldPath.of("spec");
        ObjectNode spec = e.object(csr, "spec", sp);
        String request = e.text(spec, "request", sp.child("request"));
        try {
            CertificateRequests.parse(decode(request));
        } catch (IllegalArgumentException ex) {
            e.invalid(sp.child("request"), bytesLiteral(request), ex.getMessage());
        }
        List<String> usages = e.strings(spec, "usages", sp.child("usages"));
        if (usages.isEmpty()) {
            e.required(sp.child("usages"), "");
        }
        boolean oldUnknownUsages = old != null && hasUnknownUsage(old);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < usages.size(); i++) {
            if (!oldUnknownUsages && !USAGES.contains(usages.get(i))) {
                e.notSupported(sp.child("usages").index(i), usages.get(i), USAGES);
            }
            if (!seen.add(usages.get(i)) && !(old != null && hasDuplicateUsage(old))) {
                e.duplicate(sp.child("usages").index(i), usages.get(i));
            }
        }
        signerName(e, sp.child("signerName"), e.text(spec, "signerName", sp.child("signerName")));
        Long expiration = e.integer(spec, "expirationSeconds", sp.child("expirationSeconds"));
        if (expiration != null && expiration < 600) {
            e.invalid(sp.child("expirationSeconds"), expiration, "may not specify a duration less than 600 seconds (10 minutes)");
        }
        ObjectNode status = ObjectNodes.child(csr, "status");
        conditions(e, status, old);
        String certificate = ObjectNodes.text(status, "certificate");
        String oldCertificate = ObjectNodes.text(ObjectNodes.child(old, "status"), "certificate");
        boolean certificateUnchanged = old != null && certificate.equals(oldCertificate);
        if (!certificateUnchanged) {
            String problem = certificateProblem(certificate);
            if (problem != null) {
                e.invalid(FieldPath.of("status", "certificate"), "<certificate data>", problem);
            }
        }
        if (old != null) {
            transitions(e, csr, old, path, certificateUnchanged, oldCertificate);
        }
    }

    /** The PEM text of a base64 {@code []byte} field, or "" when it is not base64 (then parsing fails). */
    static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static GoValues.Literal bytesLiteral(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length == 0) {
            return new GoValues.Literal("[]byte(nil)");
        }
        StringBuilder out = new StringBuilder("[]byte{");
        for (int i = 0; i < raw.length; i++) {
            out.append(i == 0 ? "" : ", ").append(String.format("0x%x", raw[i] & 0xff));
        }
        return new GoValues.Literal(out.append('}').toString());
    }

    /** apimachinery's {@code ValidateSignerName}: {@code example.com/signer-name}. */
    static void signerName(Errs e, FieldPath p, String signer) {
        if (signer.isEmpty()) {
            e.required(p, "");
            return;
        }
        String[] segments = signer.split("/", -1);
        if (segments.length != 2) {
            e.invalid(p, signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
            return;
        }
        String domain = segments[0];
        if (domain.length() > Formats.DNS1123_SUBDOMAIN_MAX) {
            e.add(FieldError.tooLong(p, Formats.DNS1123_SUBDOMAIN_MAX));
        }
        String[] labels = domain.split("\\.", -1);
        for (String label : labels) {
            List<String> errs = Formats.dns1123Label(label);
            if (!errs.isEmpty()) {
                errs.forEach(m -> e.invalid(p, domain, "validating label \"" + label + "\": " + m));
                break;
            }
        }
        if (labels.length < 2) {
            e.invalid(p, domain, "should be a domain with at least two segments separated by dots");
        }
        String path = segments[1];
        int maxPath = Formats.DNS1123_SUBDOMAIN_MAX - domain.length() - 1;
        if (path.length() > maxPath) {
            e.add(FieldError.tooLong(p, maxPath));
        }
        for (String m : Formats.dns1123Subdomain(path)) {
            e.invalid(p, path, "validating path \"" + path + "\": " + m);
        }
    }

    private static void conditions(Errs e, ObjectNode status, ObjectNode old) {
        FieldPath cp = FieldPath.of("status", "conditions");
        List<ObjectNode> conditions = e.objects(status, "conditions", cp);
        List<ObjectNode> oldConditions = conditionsOf(old);
        boolean tolerateEmptyType = oldConditions.stream().anyMatch(c -> ObjectNodes.text(c, "type").isEmpty());
        boolean tolerateDuplicates = hasDuplicateTypes(oldConditions);
        boolean tolerateBoth = !typed(oldConditions, "Approved").isEmpty() && !typed(oldConditions, "Denied").isEmpty();
        Set<String> seenTypes = new HashSet<>();
        boolean approved = false;
        boolean denied = false;
        for (int i = 0; i < conditions.size(); i++) {
            ObjectNode c = conditions.get(i);
            String type = ObjectNodes.text(c, "type");
            if (type.isEmpty() && !tolerateEmptyType) {
                e.required(cp.index(i).child("type"), "");
            }
            String st = ObjectNodes.text(c, "status");
            List<String> allowed = TRUE_ONLY.contains(type) ? List.of("True") : List.of("False", "True", "Unknown");
            if (st.isEmpty()) {
                e.required(cp.index(i).child("status"), "");
            } else if (!allowed.contains(st)) {
                e.notSupported(cp.index(i).child("status"), st, allowed);
            }
            if (!tolerateBoth) {
                if (type.equals("Approved")) {
                    approved = true;
                    if (denied) {
                        e.invalid(cp.index(i).child("type"), type, "Approved and Denied conditions are mutually exclusive");
                    }
                } else if (type.equals("Denied")) {
                    denied = true;
                    if (approved) {
                        e.invalid(cp.index(i).child("type"), type, "Approved and Denied conditions are mutually exclusive");
                    }
                }
            }
            if (!tolerateDuplicates && !seenTypes.add(type)) {
                e.duplicate(cp.index(i).child("type"), type);
            }
        }
    }

    private static void transitions(Errs e, ObjectNode csr, ObjectNode old, Path path, boolean certificateUnchanged,
                                    String oldCertificate) {
        FieldPath cp = FieldPath.of("status", "conditions");
        List<ObjectNode> now = conditionsOf(csr);
        List<ObjectNode> before = conditionsOf(old);
        for (String t : List.of("Approved", "Denied", "Failed")) {
            if (typed(now, t).size() < typed(before, t).size()) {
                e.forbidden(cp, "updates may not remove a condition of type \"" + t + "\"");
            }
        }
        if (path != Path.APPROVAL) {
            for (String t : List.of("Approved", "Denied")) {
                List<ObjectNode> n = typed(now, t);
                List<ObjectNode> b = typed(before, t);
                if (n.size() > b.size()) {
                    e.forbidden(cp, "updates may not add a condition of type \"" + t + "\"");
                } else if (n.size() == b.size() && !n.equals(b)) {
                    e.forbidden(cp, "updates may not modify a condition of type \"" + t + "\"");
                }
            }
        }
        if (!certificateUnchanged) {
            if (path != Path.STATUS) {
                e.forbidden(FieldPath.of("status", "certificate"), "updates may not set certificate content");
            } else if (!oldCertificate.isEmpty()) {
                e.forbidden(FieldPath.of("status", "certificate"), "updates may not modify existing certificate content");
            }
        }
    }

    /** Why {@code status.certificate} (base64 of PEM) is not a chain of CERTIFICATE blocks, or null if it is. */
    static String certificateProblem(String base64) {
        if (base64.isEmpty()) {
            return null;
        }
        String pem = decode(base64);
        Matcher m = PEM_BLOCK.matcher(pem);
        int blocks = 0;
        while (m.find()) {
            if (!m.group(1).equals("CERTIFICATE")) {
                return "only CERTIFICATE PEM blocks are allowed, found \"" + m.group(1) + "\"";
            }
            if (!m.group(2).isEmpty()) {
                return "no PEM block headers are permitted";
            }
            try {
                Pem.certificate(m.group());
            } catch (IllegalArgumentException ex) {
                return "x509: malformed certificate";
            }
            blocks++;
        }
        return blocks == 0 ? "must contain at least one CERTIFICATE PEM block" : null;
    }

    private static List<ObjectNode> conditionsOf(ObjectNode csr) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode list = csr == null ? null : csr.path("status").get("conditions");
        if (list != null && list.isArray()) {
            list.forEach(c -> {
                if (c instanceof ObjectNode o) {
                    out.add(o);
                }
            });
        }
        return out;
    }

    private static List<ObjectNode> typed(List<ObjectNode> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(ObjectNodes.text(c, "type"))).toList();
    }

    private static boolean hasDuplicateTypes(List<ObjectNode> conditions) {
        Set<String> seen = new HashSet<>();
        return conditions.stream().anyMatch(c -> !seen.add(ObjectNodes.text(c, "type")));
    }

    private static boolean hasUnknownUsage(ObjectNode csr) {
        for (JsonNode u : csr.path("spec").path("usages")) {
            if (!USAGES.contains(u.asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasDuplicateUsage(ObjectNode csr) {
        Set<String> seen = new HashSet<>();
        for (JsonNode u : csr.path("spec").path("usages")) {
            if (!seen.add(u.asText())) {
                return true;
            }
        }
        return false;
    }
}
