package dev.keelson.apiserver.storage.encryption;

import java.security.MessageDigest;
import java.security.SecureRandom;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The {@code secretbox} provider's format: a random 24-byte nonce, then NaCl's secretbox (XSalsa20 and Poly1305:
 * 16-byte tag, then the ciphertext), as golang.org/x/crypto's secretbox seals it; built from BouncyCastle's
 * XSalsa20 and Poly1305.
 */
final class SecretboxTransformer implements Transformer {
    static final int NONCE = 24;
    static final int OVERHEAD = 16;
    private final byte[] key;
    private final SecureRandom random;

    SecretboxTransformer(byte[] key, SecureRandom random) {
        if (key.length != 32) {
            throw new IllegalArgumentException("expected key size 32 for secretbox provider, got " + key.length);
        }
        this.key = key.clone();
        this.random = random;
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] context) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] out = new byte[NONCE + OVERHEAD + data.length];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        seal(out, NONCE, data, nonce, key);
        return out;
    }

    @Override
    public Read fromStorage(byte[] data, byte[] context) throws TransformException {
        if (data.length < OVERHEAD + NONCE) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        byte[] nonce = java.util.Arrays.copyOf(data, NONCE);
        byte[] plain = open(data, NONCE, nonce, key);
        if (plain == null) {
            throw new TransformException("output array was not large enough for encryption");
        }
        return new Read(plain, false);
    }

    /** Writes tag and ciphertext of {@code message} into {@code out} from {@code offset}. */
    static void seal(byte[] out, int offset, byte[] message, byte[] nonce, byte[] key) {
        XSalsa20Engine stream = stream(key, nonce);
        byte[] macKey = new byte[32];
        stream.processBytes(new byte[32], 0, 32, macKey, 0);
        stream.processBytes(message, 0, message.length, out, offset + OVERHEAD);
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(macKey));
        mac.update(out, offset + OVERHEAD, message.length);
        mac.doFinal(out, offset);
    }

    /** The message of the box at {@code offset} of {@code box}, or null when its tag does not verify. */
    static byte[] open(byte[] box, int offset, byte[] nonce, byte[] key) {
        XSalsa20Engine stream = stream(key, nonce);
        byte[] macKey = new byte[32];
        stream.processBytes(new byte[32], 0, 32, macKey, 0);
        int length = box.length - offset - OVERHEAD;
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(macKey));
        mac.update(box, offset + OVERHEAD, length);
        byte[] tag = new byte[OVERHEAD];
        mac.doFinal(tag, 0);
        if (!MessageDigest.isEqual(tag, java.util.Arrays.copyOfRange(box, offset, offset + OVERHEAD))) {
            return null;
        }
        byte[] plain = new byte[length];
        stream.processBytes(box, offset + OVERHEAD, length, plain, 0);
        return plain;
    }

    private static XSalsa20Engine stream(byte[] key, byte[] nonce) {
        XSalsa20Engine engine = new XSalsa20Engine();
        engine.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        return engine;
    }
}
