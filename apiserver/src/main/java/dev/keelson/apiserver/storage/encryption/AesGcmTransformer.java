package dev.keelson.apiserver.storage.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code aesgcm} provider's format: a random 12-byte nonce, then AES-GCM of the value with a 16-byte tag,
 * the etcd key as additional authenticated data (kube-apiserver's gcm transformer with a random nonce).
 */
final class AesGcmTransformer implements Transformer {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private final SecretKeySpec key;
    private final SecureRandom random;

    AesGcmTransformer(byte[] key, SecureRandom random) {
        this.key = new SecretKeySpec(key, "AES");
        this.random = random;
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] context) throws TransformException {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context);
            byte[] body = c.doFinal(data);
            byte[] out = new byte[NONCE + body.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(body, 0, out, NONCE, body.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new TransformException("failed to write nonce for AES-GCM: " + e.getMessage());
        }
    }

    @Override
    public Read fromStorage(byte[] data, byte[] context) throws TransformException {
        if (data.length < NONCE) {
            throw new TransformException("the stored data was shorter than the required size");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, NONCE));
            c.updateAAD(context);
            return new Read(c.doFinal(data, NONCE, data.length - NONCE), false);
        } catch (AEADBadTagException e) {
            throw new TransformException("cipher: message authentication failed");
        } catch (GeneralSecurityException e) {
            throw new TransformException("cipher: message authentication failed");
        }
    }
}
