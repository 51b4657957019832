package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keelson.apiserver.selection.FieldSelector;
import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Labels;
import dev.keelson.componentbase.api.SelectorException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The labelSelector and fieldSelector query parameters of list and watch: a selector parses into requirements that
 * Kubernetes would accept, or is refused with 400; matching never fails. An input is the parameter's text.
 * Seeds: SelectorFuzzTestInputs/METHOD/ (what kubectl -l and --field-selector send).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SelectorFuzzTest {
    private static final Map<String, String> LABELS = Map.of("app", "web", "tier", "frontend", "version", "3",
            "app.kubernetes.io/name", "web", "pod-template-hash", "5d7f8c9b6d");
    private static final Map<String, String> POD_FIELDS = Map.of("metadata.name", "web-5d7f8c9b6d-x2x9z",
            "metadata.namespace", "default", "spec.nodeName", "node-1", "status.phase", "Running");

    @FuzzTest
    void labelSelector(byte[] input) {
        SlowInputs.run("labelSelector", input, () -> {
            String text = Contracts.utf8(input);
            LabelSelector selector;
            try {
                selector = LabelSelector.parse(text);
            } catch (SelectorException e) {
                Contracts.assertClientError(e, SelectorException.class);
                return;
            }
            for (LabelSelector.Requirement r : selector.requirements()) {
                if (!Labels.isQualifiedName(r.key())) {
                    throw new AssertionError("accepted an invalid label key " + r.key() + " from " + text);
                }
                if (r.op() != LabelSelector.Op.GT && r.op() != LabelSelector.Op.LT
                        && !r.values().stream().allMatch(Labels::isValidValue)) {
                    throw new AssertionError("accepted an invalid label value in " + r + " from " + text);
                }
            }
            selector.matches(LABELS);
            LabelSelector again = LabelSelector.parse(selector.toString());
            if (!again.requirements().equals(selector.requirements())) {
                throw new AssertionError("'" + text + "' prints as '" + selector + "', which parses differently");
            }
        });
    }

    @FuzzTest
    void fieldSelector(byte[] input) {
        SlowInputs.run("fieldSelector", input, () -> {
            String text = Contracts.utf8(input);
            try {
                FieldSelector selector = FieldSelector.parse(text);
                selector.matches(POD_FIELDS);
                selector.check(Contracts.PODS.strategy().selectableFields());
            } catch (SelectorException e) {
                Contracts.assertClientError(e, SelectorException.class);
            }
        });
    }
}
