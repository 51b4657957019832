package dev.keelson.cli;

import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.audit.AuditOptions;
import dev.keelson.apiserver.audit.AuditPolicy;
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

    @Option(names = "--audit-policy-file", description = "audit.k8s.io/v1 Policy: which requests are logged at "
            + "which level. keelson server: default the built-in policy (docs/design.md).")
    Path auditPolicyFile;

    @Option(names = "--audit-log-path", description = "Where audit events are written as JSON lines ('-': standard "
            + "output). keelson server: default <data-dir>/logs/audit.log.")
    Path auditLogPath;

    @Option(names = "--audit-log-maxsize", defaultValue = "100", description = "Megabytes of a log file before it "
            + "is rotated (0: never). Default: ${DEFAULT-VALUE}.")
    int auditLogMaxSize;

    @Option(names = "--audit-log-maxbackup", defaultValue = "10", description = "Rotated files kept (0: all). "
            + "Default: ${DEFAULT-VALUE}.")
    int auditLogMaxBackup;

    @Option(names = "--audit-log-maxage", defaultValue = "30", description = "Days a rotated file is kept (0: no "
            + "limit). Default: ${DEFAULT-VALUE}.")
    int auditLogMaxAge;

    @Option(names = "--disable-audit-log", description = "keelson server: no audit log.")
    boolean disableAuditLog;

    /** kube-apiserver's rule: a log path and a policy file, or no audit. */
    private AuditOptions audit(Path defaultPath, boolean defaultPolicy) {
        if (disableAuditLog) {
            return null;
        }
        Path path = auditLogPath != null ? auditLogPath : defaultPath;
        if (path == null || auditPolicyFile == null && !defaultPolicy) {
            return null;
        }
        try {
            AuditPolicy policy = auditPolicyFile != null ? AuditPolicy.load(auditPolicyFile) : AuditPolicy.serverDefault();
            return AuditOptions.of(policy, path, auditLogMaxSize, auditLogMaxBackup, auditLogMaxAge);
        } catch (AuditPolicy.InvalidPolicyException e) {
            throw new IllegalArgumentException("--audit-policy-file: " + e.getMessage());
        }
    }

    /** The generated configuration's place under a server's data dir (as k3s keeps it under server/cred). */
    static Path defaultEncryptionConfig(Path dataDir) {
        return dataDir.resolve("cred").resolve("encryption-config.yaml");
    }

    /** kube-apiserver's defaults: nothing unless a flag names a file. */
    SecurityOptions forApiServer() {
        return new SecurityOptions(encryptionProviderConfig == null ? SecretsEncryption.Options.DISABLED
                : new SecretsEncryption.Options(encryptionProviderConfig, false), audit(null, false));
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
        return new SecurityOptions(encryption, audit(dataDir.resolve("logs").resolve("audit.log"), true));
    }
}
