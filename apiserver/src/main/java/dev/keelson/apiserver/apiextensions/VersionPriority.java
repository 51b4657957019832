package dev.keelson.apiserver.apiextensions;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes' version priority (apimachinery's CompareKubeAwareVersionStrings): GA before beta before alpha, higher
 * numbers first within each, then anything else alphabetically. Discovery lists a group's versions in this order and
 * prefers the first.
 */
public final class VersionPriority {
    private static final Pattern KUBE = Pattern.compile("^v(\\d+)(?:(alpha|beta)(\\d+))?$");

    /** Sorts highest priority first. */
    public static final Comparator<String> ORDER = VersionPriority::compare;

    private VersionPriority() {}

    static int compare(String a, String b) {
        Matcher ma = KUBE.matcher(a);
        Matcher mb = KUBE.matcher(b);
        boolean ka = ma.matches();
        boolean kb = mb.matches();
        if (!ka || !kb) {
            return ka ? -1 : kb ? 1 : a.compareTo(b);
        }
        int rankA = rank(ma.group(2));
        int rankB = rank(mb.group(2));
        if (rankA != rankB) {
            return Integer.compare(rankB, rankA);
        }
        int major = Long.compare(Long.parseLong(mb.group(1)), Long.parseLong(ma.group(1)));
        if (major != 0 || ma.group(3) == null) {
            return major;
        }
        return Long.compare(Long.parseLong(mb.group(3)), Long.parseLong(ma.group(3)));
    }

    private static int rank(String stability) {
        return stability == null ? 2 : stability.equals("beta") ? 1 : 0;
    }
}
