package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.BootstrapAuthorizer;
import dev.keelson.apiserver.printers.CsrCells;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.CertificateValidation;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import java.util.List;

/**
 * certificates.k8s.io/v1 CertificateSigningRequests, as Kubernetes' pkg/registry/certificates strategies: who asks is
 * recorded by the apiserver, never taken from the body; a request is immutable after
 * creation; {@code /status} writes the certificate (and conditions other than Approved/Denied), {@code /approval} the
 * conditions only; condition timestamps are filled in by the server.
 */
public final class CertificateSigningRequestStrategy extends Strategy {
    public CertificateSigningRequestStrategy() {
        super(Registration.clusterScoped("certificates.k8s.io/v1", "CertificateSigningRequest",
                "certificatesigningrequests", CertificateSigningRequest.class).shortNames("csr")
                .subresources("status", "approval"));
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    public TablePrinter printer() {
        return CsrCells.PRINTER;
    }

    /**
     * Kubernetes' PrepareForCreate: spec.username, uid, groups and extra are the authenticated requester's (from the
     * request context; none for the apiserver's own writes), never the body's; no status. A bootstrap token may ask
     * only the kubelet client signer (403 otherwise).
     */
    @Override
    public void prepareForCreate(ObjectNode obj, RequestContext context) {
        super.prepareForCreate(obj, context);
        obj.putObject("status");
        ObjectNode spec = obj.get("spec") instanceof ObjectNode s ? s : obj.putObject("spec");
        spec.remove(List.of("username", "uid", "groups", "extra"));
        Authenticator.User user = context == null ? null : context.user();
        if (user == null) {
            return;
        }
        spec.put("username", user.name());
        ArrayNode groups = spec.putArray("groups");
        user.groups().forEach(groups::add);
        String signer = spec.path("signerName").asText("");
        if (BootstrapAuthorizer.isBootstrapper(user) && !BootstrapAuthorizer.KUBELET_CLIENT_SIGNER.equals(signer)) {
            throw ApiException.forbidden(type().group(), type().plural(), Json.str(Json.meta(obj), "name"),
                    "User \"" + user.name() + "\" cannot create certificate signing requests for signer \"" + signer
                            + "\": a bootstrap token may only ask for " + BootstrapAuthorizer.KUBELET_CLIENT_SIGNER
                            + " certificates");
        }
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        copy(oldObj, newObj, "spec");
        copy(oldObj, newObj, "status");
    }

    @Override
    public ObjectNode prepareForStatusUpdate(ObjectNode newObj, ObjectNode oldObj) {
        ObjectNode merged = super.prepareForStatusUpdate(newObj, oldObj);
        conditionTimestamps(merged, oldObj);
        return merged;
    }

    @Override
    public ObjectNode prepareForApprovalUpdate(ObjectNode newObj, ObjectNode oldObj) {
        ObjectNode merged = oldObj.deepCopy();
        ObjectNode status = merged.get("status") instanceof ObjectNode s ? s : merged.putObject("status");
        JsonNode conditions = newObj.path("status").get("conditions");
        if (conditions == null) {
            status.remove("conditions");
        } else {
            status.set("conditions", conditions.deepCopy());
        }
        conditionTimestamps(merged, oldObj);
        return merged;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        CertificateValidation.validate(e, obj, null, CertificateValidation.Path.CREATE);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        CertificateValidation.validate(e, newObj, oldObj, CertificateValidation.Path.UPDATE);
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        CertificateValidation.Path path = "status".equals(subresource) ? CertificateValidation.Path.STATUS
                : "approval".equals(subresource) ? CertificateValidation.Path.APPROVAL : CertificateValidation.Path.UPDATE;
        Errs e = new Errs();
        CertificateValidation.validate(e, newObj, oldObj, path);
        return e.distinct();
    }

    /** Kubernetes' populateConditionTimestamps: lastUpdateTime now when unset, lastTransitionTime kept or now. */
    private static void conditionTimestamps(ObjectNode csr, ObjectNode old) {
        String now = Json.now();
        for (JsonNode c : csr.path("status").path("conditions")) {
            if (!(c instanceof ObjectNode cond)) {
                continue;
            }
            if (!cond.hasNonNull("lastUpdateTime")) {
                cond.put("lastUpdateTime", now);
            }
            if (!cond.hasNonNull("lastTransitionTime")) {
                String since = now;
                for (JsonNode o : old.path("status").path("conditions")) {
                    if (o.path("type").equals(cond.path("type")) && o.path("status").equals(cond.path("status"))
                            && o.hasNonNull("lastTransitionTime")) {
                        since = o.get("lastTransitionTime").asText();
                    }
                }
                cond.put("lastTransitionTime", since);
            }
        }
    }

    private static void copy(ObjectNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v == null) {
            to.remove(field);
        } else {
            to.set(field, v.deepCopy());
        }
    }
}
