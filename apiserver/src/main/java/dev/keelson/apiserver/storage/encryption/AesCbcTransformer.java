package dev.keelson.apiserver.storage.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code aescbc} provider's format: a random 16-byte IV, then AES-CBC of the value with PKCS#7 padding, as
 * kube-apiserver's cbc transformer writes it (the etcd key is not authenticated by this mode).
 */
final class AesCbcTransformer implements Transformer {
    private static final int BLOCK = 16;
    private final SecretKeySpec key;
    private final SecureRandom random;

    AesCbcTransformer(byte[] key, SecureRandom random) {
        this.key = new SecretKeySpec(key, "AES");
        this.random = random;
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] context) throws TransformException {
        byte[] iv = new byte[BLOCK];
        random.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
            byte[] body = c.doFinal(data);
            byte[] out = new byte[BLOCK + body.length];
            System.arraycopy(iv, 0, out, 0, BLOCK);
            System.arraycopy(body, 0, out, BLOCK, body.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new TransformException("unable to encrypt: " + e.getMessage());
        }
    }

    @Override
    public Read fromStorage(byte[] data, byte[] context) throws TransformException {
        if (data.length < BLOCK) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        if ((data.length - BLOCK) % BLOCK != 0) {
            throw new TransformException("the stored data is not a multiple of the block size");
        }
        if (data.length == BLOCK) {
            throw new TransformException("invalid PKCS7 data (empty or not padded)");
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(data, 0, BLOCK));
            plain = c.doFinal(data, BLOCK, data.length - BLOCK);
        } catch (GeneralSecurityException e) {
            throw new TransformException("unable to decrypt: " + e.getMessage());
        }
        // the padding is checked here, with kube-apiserver's messages, not by the JDK's padding mode
        int pad = plain[plain.length - 1] & 0xff;
        if (pad == 0 || pad > plain.length) {
            throw new TransformException("invalid PKCS7 data (empty or not padded)");
        }
        for (int i = plain.length - pad; i < plain.length; i++) {
            if ((plain[i] & 0xff) != pad) {
                throw new TransformException("invalid padding on input");
            }
        }
        return new Read(java.util.Arrays.copyOf(plain, plain.length - pad), false);
    }
}
