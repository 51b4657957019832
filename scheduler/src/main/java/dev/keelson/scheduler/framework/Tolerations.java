package dev.keelson.scheduler.framework;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/** Kubernetes' rules for whether a pod's tolerations tolerate a node's taint. */
public final class Tolerations {
    private Tolerations() {}

    public static boolean tolerates(Toleration t, String key, String value, String effect) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(effect)) {
            return false;
        }
        String tKey = t.getKey() == null ? "" : t.getKey();
        if (!tKey.isEmpty() && !tKey.equals(key)) {
            return false;
        }
        String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        if ("Exists".equals(op)) {
            return true;
        }
        if (!"Equal".equals(op) || tKey.isEmpty()) {
            // Equal without a key is invalid; it tolerates nothing
            return false;
        }
        return nullToEmpty(t.getValue()).equals(nullToEmpty(value));
    }

    public static boolean anyTolerates(List<Toleration> tolerations, Taint taint) {
        return anyTolerates(tolerations, taint.getKey(), taint.getValue(), taint.getEffect());
    }

    public static boolean anyTolerates(List<Toleration> tolerations, String key, String value, String effect) {
        for (int i = 0; i < tolerations.size(); i++) {
            if (tolerates(tolerations.get(i), key, value, effect)) {
                return true;
            }
        }
        return false;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
