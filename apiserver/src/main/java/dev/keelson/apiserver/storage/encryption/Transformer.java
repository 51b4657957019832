package dev.keelson.apiserver.storage.encryption;

/**
 * Turns a stored value into what is kept in etcd and back, as kube-apiserver's value.Transformer: the context is
 * the etcd key, so an authenticated cipher (AES-GCM) refuses a value copied to another key.
 */
public interface Transformer {
    /** A value read back, and whether it should be rewritten (it was not written by the first provider or key). */
    record Read(byte[] data, boolean stale) {}

    /** Why a stored value cannot be read; the message is kube-apiserver's. */
    final class TransformException extends Exception {
        public TransformException(String message) {
            super(message);
        }
    }

    byte[] toStorage(byte[] data, byte[] context) throws TransformException;

    Read fromStorage(byte[] data, byte[] context) throws TransformException;
}
