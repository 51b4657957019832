package dev.keelson.apiserver;

import dev.keelson.apiserver.storage.encryption.SecretsEncryption;

/**
 * Encryption at rest ({@code --encryption-provider-config}) and the audit log; both off unless given, as in
 * kube-apiserver. {@code keelson server} turns both on by default.
 */
public record SecurityOptions(SecretsEncryption.Options encryption) {
    public static final SecurityOptions NONE = new SecurityOptions(SecretsEncryption.Options.DISABLED);
}
