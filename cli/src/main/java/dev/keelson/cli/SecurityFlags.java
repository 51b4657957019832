package dev.keelson.cli;

import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Encryption at rest and audit flags. {@code keelson apiserver} uses them as kube-apiserver does (off unless
 * given); {@code keelson server} turns them on by default with files under its data dir.
 */
final class SecurityFlags {
    @Option(names = "--encryption-provider-config", description = "EncryptionConfiguration file (apiserver.config."
            + "k8s.io/v1) saying how resources are encrypted in etcd. keelson server: default <data-dir>/cred/"
            + "encryption-config.yaml, generated with an AES-CBC key for Secrets when a new cluster starts.")
    Path encryptionProviderConfig;

    @Option(names = "--disable-secrets-encryption", description = "keelson server: store Secrets in plaintext "
            + "(no generated encryption configuration).")
    boolean disableSecretsEncryption;

    /** The generated configuration's place under a server's data dir (as k3s keeps it under server/cred). */
    static Path defaultEncryptionConfig(Path dataDir) {
        return dataDir.resolve("cred").resolve("encryption-config.yaml");
    }

    /** kube-apiserver's defaults: nothing unless a flag names a file. */
    SecurityOptions forApiServer() {
        return new SecurityOptions(encryptionProviderConfig == null ? SecretsEncryption.Options.DISABLED
                : new SecretsEncryption.Options(encryptionProviderConfig, false));
    }

    /** keelson server's defaults: encryption on, its configuration generated for a new cluster. */
    SecurityOptions forServer(Path dataDir) {
        SecretsEncryption.Options encryption;
        if (encryptionProviderConfig != null) {
            encryption = new SecretsEncryption.Options(encryptionProviderConfig, false);
        } else if (disableSecretsEncryption) {
            encryption = SecretsEncryption.Options.DISABLED;
        } else {
            encryption = new SecretsEncryption.Options(defaultEncryptionConfig(dataDir), true);
        }
        return new SecurityOptions(encryption);
    }
}
