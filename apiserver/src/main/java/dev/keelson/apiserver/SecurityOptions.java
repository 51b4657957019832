package dev.keelson.apiserver;

import dev.keelson.apiserver.audit.AuditOptions;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;

/**
 * Encryption at rest ({@code --encryption-provider-config}) and the audit log ({@code --audit-policy-file},
 * {@code --audit-log-path}; null: no audit log); both off unless given, as in kube-apiserver. {@code keelson server}
 * turns both on by default.
 */
public record SecurityOptions(SecretsEncryption.Options encryption, AuditOptions audit) {
    public static final SecurityOptions NONE = new SecurityOptions(SecretsEncryption.Options.DISABLED, null);

    public SecurityOptions withAudit(AuditOptions options) {
        return new SecurityOptions(encryption, options);
    }
}
