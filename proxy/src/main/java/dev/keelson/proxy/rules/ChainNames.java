package dev.keelson.proxy.rules;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the chains the proxy owns. Per-service and per-endpoint chains carry a hash of their identity, so
 * the same service port always maps to the same chain across restarts and across nodes.
 */
public final class ChainNames {
    public static final String PREFIX = "KEELSON-";
    public static final String SERVICES = "KEELSON-SERVICES";
    public static final String NODEPORTS = "KEELSON-NODEPORTS";
    public static final String POSTROUTING = "KEELSON-POSTROUTING";
    public static final String MARK_MASQ = "KEELSON-MARK-MASQ";
    public static final String FORWARD = "KEELSON-FORWARD";
    /**
     * An empty chain the proxy adds to a table that did not exist before it, so that --cleanup knows it may
     * delete the whole table and leave the node exactly as it found it.
     */
    public static final String TABLE_MARK = "KEELSON-CREATED-TABLE";

    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    // MessageDigest.getInstance looks the provider up on every call, a large part of computing 10,000 names
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    });

    private ChainNames() {}

    public static String service(ServicePortInfo sp) {
        return "KEELSON-SVC-" + hash(sp.displayName() + sp.protocol());
    }

    public static String serviceLocal(ServicePortInfo sp) {
        return "KEELSON-SVL-" + hash(sp.displayName() + sp.protocol());
    }

    public static String external(ServicePortInfo sp) {
        return "KEELSON-EXT-" + hash(sp.displayName() + sp.protocol());
    }

    public static String endpoint(ServicePortInfo sp, Endpoint ep) {
        return "KEELSON-SEP-" + hash(sp.displayName() + sp.protocol() + ep.hostPort());
    }

    /** 16 upper-case hex digits: with the 12-character prefixes this stays within iptables' 28-character limit. */
    static String hash(String identity) {
        byte[] digest = SHA256.get().digest(identity.getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(digest, 0, 8);
    }
}
