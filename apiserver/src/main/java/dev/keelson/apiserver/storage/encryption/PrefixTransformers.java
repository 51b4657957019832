package dev.keelson.apiserver.storage.encryption;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of transformers, each behind a prefix of the stored value: the first writes, the one whose prefix
 * the stored value carries reads (kube-apiserver's prefixTransformers, used both for providers and for the keys of
 * one provider). A value read by any but the first is stale.
 */
final class PrefixTransformers implements Transformer {
    /** One transformer and the prefix it writes and recognises (empty for identity). */
    record Entry(byte[] prefix, Transformer transformer) {
        Entry(String prefix, Transformer transformer) {
            this(prefix.getBytes(StandardCharsets.UTF_8), transformer);
        }

        String prefixText() {
            return new String(prefix, StandardCharsets.UTF_8);
        }
    }

    private final List<Entry> entries;
    private final String noMatch;

    PrefixTransformers(String noMatch, List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no transformers");
        }
        this.entries = List.copyOf(entries);
        this.noMatch = noMatch;
    }

    List<Entry> entries() {
        return entries;
    }

    @Override
    public byte[] toStorage(byte[] data, byte[] context) throws TransformException {
        Entry first = entries.get(0);
        byte[] body = first.transformer().toStorage(data, context);
        byte[] out = new byte[first.prefix().length + body.length];
        System.arraycopy(first.prefix(), 0, out, 0, first.prefix().length);
        System.arraycopy(body, 0, out, first.prefix().length, body.length);
        return out;
    }

    @Override
    public Read fromStorage(byte[] data, byte[] context) throws TransformException {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (!startsWith(data, e.prefix())) {
                continue;
            }
            byte[] rest = java.util.Arrays.copyOfRange(data, e.prefix().length, data.length);
            try {
                Read r = e.transformer().fromStorage(rest, context);
                return new Read(r.data(), r.stale() || i != 0);
            } catch (TransformException ex) {
                // identity fails on encrypted data so that a later provider may read it; an error of a keyed
                // provider is kept, but a later entry with the same prefix (another key) is still tried
                if (e.prefix().length > 0) {
                    errors.add(ex.getMessage());
                }
            }
        }
        if (errors.size() == 1) {
            throw new TransformException(errors.get(0));
        }
        if (errors.size() > 1) {
            throw new TransformException("[" + String.join(", ", errors) + "]");
        }
        throw new TransformException(noMatch);
    }

    static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
