package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.keelson.apiserver.printers.TablePrinters.col;

/** printers.go printCertificateSigningRequest: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION. */
public final class CsrCells {
    static final List<ObjectNode> COLUMNS = List.of(TablePrinters.nameCol(), TablePrinters.ageCol(),
            col("SignerName", "string", "", 0, "Requested signer for the request. It is a qualified name in the form: "
                    + "`scope-hostname.io/name`."),
            col("Requestor", "string", "", 0, "Base64-encoded PKCS#10 CSR data"),
            col("RequestedDuration", "string", "", 0, "expirationSeconds is the requested duration of validity of the "
                    + "issued certificate."),
            col("Condition", "string", "", 0, "Conditions applied to the request, such as approval or denial."));

    public static final TablePrinter PRINTER = TablePrinter.of(COLUMNS, CsrCells::cells);

    private CsrCells() {
    }

    static List<Object> cells(ObjectNode csr, Instant now) {
        JsonNode spec = csr.path("spec");
        String signer = spec.path("signerName").asText("");
        JsonNode expiration = spec.get("expirationSeconds");
        String requested = expiration == null || expiration.isNull() ? "<none>"
                : Format.humanDuration(Duration.ofSeconds(expiration.asLong()));
        return List.of(TablePrinters.name(csr), TablePrinters.age(csr, now), signer.isEmpty() ? "<none>" : signer,
                spec.path("username").asText(""), requested, condition(csr));
    }

    /** extractCSRStatus: Denied over Approved over Pending, then ",Failed" and ",Issued". */
    static String condition(ObjectNode csr) {
        boolean approved = false;
        boolean denied = false;
        boolean failed = false;
        for (JsonNode c : csr.path("status").path("conditions")) {
            switch (c.path("type").asText("")) {
                case "Approved" -> approved = true;
                case "Denied" -> denied = true;
                case "Failed" -> failed = true;
                default -> { }
            }
        }
        String status = denied ? "Denied" : approved ? "Approved" : "Pending";
        if (failed) {
            status += ",Failed";
        }
        if (!csr.path("status").path("certificate").asText("").isEmpty()) {
            status += ",Issued";
        }
        return status;
    }
}
