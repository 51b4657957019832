package dev.keelson.apiserver.storage.encryption;

import java.nio.charset.StandardCharsets;

/** The {@code identity} provider: stores plaintext, and refuses to read a value that is encrypted. */
final class IdentityTransformer implements Transformer {
    static final byte[] ENCRYPTED = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);

    @Override
    public byte[] toStorage(byte[] data, byte[] context) {
        return data;
    }

    @Override
    public Read fromStorage(byte[] data, byte[] context) throws TransformException {
        if (PrefixTransformers.startsWith(data, ENCRYPTED)) {
            throw new TransformException("identity transformer tried to read encrypted data");
        }
        return new Read(data, false);
    }
}
