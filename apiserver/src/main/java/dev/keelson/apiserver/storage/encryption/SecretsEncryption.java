package dev.keelson.apiserver.storage.encryption;

import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.GroupResource;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.Key;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.Provider;
import dev.keelson.apiserver.storage.encryption.EncryptionConfiguration.ResourceConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encryption at rest of one apiserver: loads (or, for a new cluster, generates) the EncryptionConfiguration,
 * refuses to start when a stored value cannot be decrypted with it, and reports and rotates the key of the
 * Secrets ({@code keelson secrets-encrypt status|rotate}).
 */
public final class SecretsEncryption {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsEncryption.class);
    /** An encryption configuration is a few keys; anything larger is not one. */
    static final int MAX_FILE = 1024 * 1024;
    static final GroupResource SECRETS = new GroupResource("", "secrets");
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * {@code --encryption-provider-config}, and whether to generate that file (with a fresh AES-CBC key) when it
     * does not exist and nothing stored is encrypted: what {@code keelson server} does for a new cluster.
     */
    public record Options(Path configFile, boolean generate) {
        public static final Options DISABLED = new Options(null, false);

        public boolean enabled() {
            return configFile != null;
        }
    }

    /** What {@code status} and {@code rotate} report. */
    public record Status(boolean enabled, String configFile, String activeKeyType, String activeKey, long secrets,
                         long secretsWithActiveKey) {}

    private final Path file;
    private final EtcdStorage etcd;
    private final Map<String, GroupResource> folders;
    private final SecureRandom random = new SecureRandom();
    private volatile EncryptionConfiguration config;

    private SecretsEncryption(Path file, EtcdStorage etcd, Map<String, GroupResource> folders) {
        this.file = file;
        this.etcd = etcd;
        this.folders = folders;
    }

    /**
     * Loads or generates the configuration, checks that every stored value of an encrypted resource can be read
     * with it, and makes {@code etcd} encrypt with it. Throws, with a message for the operator, when it cannot.
     */
    public static SecretsEncryption start(Options options, EtcdStorage etcd, Map<String, GroupResource> folders)
            throws Exception {
        SecretsEncryption s = new SecretsEncryption(options.configFile(), etcd, folders);
        if (!Files.exists(options.configFile())) {
            long encrypted = s.countEncrypted();
            if (!options.generate() || encrypted > 0) {
                throw new IllegalStateException("error opening encryption provider configuration file \""
                        + options.configFile() + "\": the file does not exist" + (encrypted > 0 ? " and " + encrypted
                        + " stored values in etcd are encrypted: restore the file that holds their key" : ""));
            }
            s.write(generated(s.random));
            LOG.info("generated the encryption configuration {} (aescbc key for secrets)", options.configFile());
        }
        s.config = load(options.configFile());
        s.install();
        s.verifyReadable();
        return s;
    }

    /** Reads and validates a configuration file, with kube-apiserver's messages. */
    public static EncryptionConfiguration load(Path path) throws Exception {
        byte[] data;
        try (InputStream in = Files.newInputStream(path)) {
            data = in.readNBytes(MAX_FILE + 1);
        } catch (IOException e) {
            throw new IllegalStateException("error opening encryption provider configuration file \"" + path + "\": "
                    + e.getMessage());
        }
        if (data.length == 0) {
            throw new IllegalStateException("encryption provider configuration file \"" + path + "\" is empty");
        }
        if (data.length > MAX_FILE) {
            throw new IllegalStateException("encryption provider configuration file \"" + path + "\" is larger than "
                    + MAX_FILE + " bytes");
        }
        try {
            return EncryptionConfiguration.decode(data);
        } catch (EncryptionConfiguration.InvalidConfigException e) {
            throw new IllegalStateException("error while parsing file: " + e.getMessage());
        }
    }

    /** A new cluster's configuration: Secrets with a fresh 32-byte AES-CBC key; identity reads older plaintext. */
    static EncryptionConfiguration generated(SecureRandom random) {
        return new EncryptionConfiguration(List.of(new ResourceConfiguration(List.of("secrets"),
                List.of(new Provider("aescbc", List.of(newKey(random))), Provider.identity()))));
    }

    private static Key newKey(SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return new Key("aescbckey-" + KEY_TIME.format(Instant.now()), Base64.getEncoder().encodeToString(secret));
    }

    public Path configFile() {
        return file;
    }

    private void install() {
        etcd.setTransformers(StorageTransformers.of(config, folders, random));
    }

    /** Every stored value of an encrypted resource decrypts with the configuration, or start-up stops here. */
    private void verifyReadable() throws Exception {
        List<String> failures = new ArrayList<>();
        long[] count = {0};
        for (String prefix : etcd.transformers().encryptedPrefixes()) {
            scan(prefix, true, kv -> {
                count[0]++;
                try {
                    etcd.transformers().forKey(kv.key()).fromStorage(kv.value(), StorageTransformers.context(kv.key()));
                } catch (Transformer.TransformException e) {
                    failures.add(kv.key() + ": " + e.getMessage());
                }
            });
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " of " + count[0] + " encrypted values in etcd cannot "
                    + "be decrypted with the keys of " + file + " (first: " + failures.get(0) + "): start the server "
                    + "with the encryption configuration that holds their key");
        }
        LOG.info("encryption at rest: {} ({} stored values of {} readable)", file, count[0],
                etcd.transformers().encryptedPrefixes());
    }

    /** The key Secrets are written with now, and how many Secrets are stored with it. */
    public synchronized Status status() throws Exception {
        String active = etcd.transformers().writePrefix(SECRETS);
        long[] counts = {0, 0};
        scan("/registry/secrets/", true, kv -> {
            counts[0]++;
            if (!active.isEmpty() && startsWith(kv.value(), active)) {
                counts[1]++;
            }
        });
        String[] parts = active.split(":");
        String type = parts.length >= 3 ? parts[2] : "identity";
        String name = parts.length >= 5 ? parts[4] : "";
        return new Status(!active.isEmpty(), file.toString(), type, name, counts[0], counts[1]);
    }

    /**
     * A new key for Secrets, as k3s' rotate does in one call: the file first gets the new key in front of the old
     * ones (so every value stays readable if the server stops at any step), then every Secret is rewritten with
     * it, then the old keys are dropped.
     */
    public synchronized Status rotate() throws Exception {
        int entry = secretsEntry();
        ResourceConfiguration rc = config.resources().get(entry);
        Provider first = rc.providers().get(0);
        String type = "identity".equals(first.type()) ? "aescbc" : first.type();
        Key key = newKey(random);
        String name = key.name().replace("aescbckey", type + "key");
        // Key names carry the time to the second: a second rotation within that second must not reuse a live name.
        java.util.Set<String> taken = new java.util.HashSet<>();
        rc.providers().stream().filter(p -> p.keys() != null).forEach(p -> p.keys().forEach(k -> taken.add(k.name())));
        String unique = name;
        String base = type + "key";
        for (int n = 2; taken.contains(unique); n++) {
            unique = base + n + name.substring(base.length());
        }
        key = new Key(unique, key.secret());
        List<Provider> withNew = new ArrayList<>();
        if (type.equals(first.type())) {
            List<Key> keys = new ArrayList<>(List.of(key));
            keys.addAll(first.keys());
            withNew.add(new Provider(type, keys));
            withNew.addAll(rc.providers().subList(1, rc.providers().size()));
        } else {
            withNew.add(new Provider(type, List.of(key)));
            withNew.addAll(rc.providers());
        }
        apply(replaceEntry(entry, new ResourceConfiguration(rc.resources(), withNew)));
        long rewritten = rewriteAll();
        List<Provider> onlyNew = new ArrayList<>(List.of(new Provider(type, List.of(key))));
        if (withNew.stream().anyMatch(p -> "identity".equals(p.type()))) {
            onlyNew.add(Provider.identity());
        }
        apply(replaceEntry(entry, new ResourceConfiguration(rc.resources(), onlyNew)));
        LOG.info("secrets-encrypt rotate: new key {} ({}), {} values rewritten", key.name(), type, rewritten);
        return status();
    }

    private int secretsEntry() {
        for (int i = 0; i < config.resources().size(); i++) {
            for (String r : config.resources().get(i).resources()) {
                GroupResource gr = GroupResource.parse(r);
                if (gr.equals(SECRETS) || gr.equals(new GroupResource("", "*")) || gr.equals(GroupResource.ANY)) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("the encryption configuration " + file + " does not name secrets");
    }

    private EncryptionConfiguration replaceEntry(int index, ResourceConfiguration rc) {
        List<ResourceConfiguration> all = new ArrayList<>(config.resources());
        all.set(index, rc);
        return new EncryptionConfiguration(all);
    }

    private void apply(EncryptionConfiguration next) throws IOException {
        write(next);
        config = next;
        install();
    }

    /** Rewrites every stored value of the encrypted resources with the first provider and key. */
    private long rewriteAll() throws Exception {
        long[] n = {0};
        for (String prefix : etcd.transformers().encryptedPrefixes()) {
            List<EtcdStorage.KeyValue> batch = new ArrayList<>();
            scan(prefix, false, batch::add);
            for (EtcdStorage.KeyValue kv : batch) {
                // compared on the revision read: a value written meanwhile already has the new key
                etcd.txn(List.of(EtcdStorage.Condition.modRevisionIs(kv.key(), kv.modRevision())),
                        List.of(EtcdStorage.Write.put(kv.key(), kv.value()))).get(60, TimeUnit.SECONDS);
                n[0]++;
            }
        }
        return n[0];
    }

    /** Stored values under {@code prefix}, page by page, as etcd holds them ({@code stored}) or decrypted. */
    private void scan(String prefix, boolean stored, java.util.function.Consumer<EtcdStorage.KeyValue> each)
            throws Exception {
        String from = null;
        while (true) {
            EtcdStorage.ListResult page = (stored ? etcd.rangeStored(prefix, from, 0, 500)
                    : etcd.range(prefix, from, 0, 500)).get(60, TimeUnit.SECONDS);
            page.items().forEach(each);
            if (!page.more() || page.items().isEmpty()) {
                return;
            }
            from = page.items().get(page.items().size() - 1).key() + "\0";
        }
    }

    private long countEncrypted() throws Exception {
        long[] n = {0};
        for (String folder : folders.keySet()) {
            scan("/registry/" + folder + "/", true, kv -> {
                if (startsWith(kv.value(), "k8s:enc:")) {
                    n[0]++;
                }
            });
        }
        return n[0];
    }

    /** Writes the file whole (owner-only) and renames it over the old one, so a crash leaves one or the other. */
    private void write(EncryptionConfiguration c) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(c.toYaml()));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean startsWith(byte[] value, String prefix) {
        return PrefixTransformers.startsWith(value, prefix.getBytes(StandardCharsets.UTF_8));
    }
}
