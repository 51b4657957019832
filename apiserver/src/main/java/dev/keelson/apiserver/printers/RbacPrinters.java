package dev.keelson.apiserver.printers;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** printers.go's columns of the rbac.authorization.k8s.io kinds (printRole, printRoleBinding and their cluster twins). */
public final class RbacPrinters {
    private RbacPrinters() {
    }

    /** Roles and ClusterRoles: NAME and CREATED AT (an RFC 3339 time, not an age). */
    public static final TablePrinter ROLES = TablePrinter.of(List.of(
            nameCol(), col("Created At", "date", "", 0, TablePrinters.AGE_DOC)),
            (o, now) -> List.of(name(o), createdAt(o.at("/metadata/creationTimestamp"))));

    /** RoleBindings and ClusterRoleBindings: NAME, ROLE (Kind/name), AGE; -o wide adds the subjects by kind. */
    public static final TablePrinter BINDINGS = TablePrinter.of(List.of(
            nameCol(), col("Role", "string", "", 0, "RoleRef can reference a Role in the current namespace or a "
                    + "ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must "
                    + "return an error."), ageCol(),
            col("Users", "string", "", 1, "Users in the roleBinding"),
            col("Groups", "string", "", 1, "Groups in the roleBinding"),
            col("ServiceAccounts", "string", "", 1, "ServiceAccounts in the roleBinding")),
            (o, now) -> {
                List<String> users = new ArrayList<>();
                List<String> groups = new ArrayList<>();
                List<String> sas = new ArrayList<>();
                for (JsonNode s : o.path("subjects")) {
                    String n = s.path("name").asText("");
                    switch (s.path("kind").asText("")) {
                        case "User" -> users.add(n);
                        case "Group" -> groups.add(n);
                        case "ServiceAccount" -> sas.add(s.path("namespace").asText("") + ":" + n);
                        default -> { }
                    }
                }
                JsonNode ref = o.path("roleRef");
                return List.of(name(o), ref.path("kind").asText("") + "/" + ref.path("name").asText(""), age(o, now),
                        String.join(", ", users), String.join(", ", groups), String.join(", ", sas));
            });

    private static String createdAt(JsonNode timestamp) {
        Instant t = Format.parseTime(timestamp);
        return t == null ? "0001-01-01T00:00:00Z" : DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
