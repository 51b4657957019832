package dev.keelson.controllermanager.job;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Completion indexes as an Indexed Job's status writes them ({@code completedIndexes}, {@code failedIndexes}): sorted,
 * consecutive runs compressed, "1,3-5,7". Parsing ignores what is malformed or outside [0, completions), as
 * Kubernetes' parseIndexesFromString does.
 */
final class Indexes {
    private Indexes() {
    }

    static TreeSet<Integer> parse(String text, int completions) {
        TreeSet<Integer> out = new TreeSet<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        for (String part : text.split(",")) {
            try {
                int dash = part.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
                for (int i = Math.max(from, 0); i <= to && i < completions; i++) {
                    out.add(i);
                }
            } catch (NumberFormatException e) {
                // skipped, as Kubernetes skips it
            }
        }
        return out;
    }

    static String format(TreeSet<Integer> indexes) {
        List<String> parts = new ArrayList<>();
        Integer start = null;
        Integer prev = null;
        for (int i : indexes) {
            if (start == null) {
                start = i;
            } else if (i != prev + 1) {
                parts.add(start.equals(prev) ? start.toString() : start + "-" + prev);
                start = i;
            }
            prev = i;
        }
        if (start != null) {
            parts.add(start.equals(prev) ? start.toString() : start + "-" + prev);
        }
        return String.join(",", parts);
    }
}
