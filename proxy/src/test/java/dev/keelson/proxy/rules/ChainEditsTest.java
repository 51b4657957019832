package dev.keelson.proxy.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChainEditsTest {
    private static List<String> chain(String... targets) {
        List<String> rules = new ArrayList<>();
        for (String t : targets) {
            rules.add("-A KEELSON-SERVICES -d 10.0.0." + t + "/32 -j KEELSON-SVC-" + t);
        }
        return rules;
    }

    /** Applies edits the way iptables-restore does, to a copy of {@code known}. */
    private static List<String> applied(List<String> known, ChainEdits edits) {
        RestoreModel model = new RestoreModel();
        StringBuilder text = new StringBuilder("*nat\n:KEELSON-SERVICES - [0:0]\n");
        for (int i = 0; i < 40; i++) {
            text.append(":KEELSON-SVC-").append(i).append(" - [0:0]\n");
        }
        known.forEach(r -> text.append(r).append('\n'));
        edits.deletes().forEach(r -> text.append(r).append('\n'));
        edits.inserts().forEach(r -> text.append(r).append('\n'));
        model.apply(text.append("COMMIT\n").toString());
        return model.state().get("nat").get("KEELSON-SERVICES");
    }

    @Test
    void unchangedChainNeedsNoEdits() {
        assertTrue(ChainEdits.between("KEELSON-SERVICES", chain("1", "2"), chain("1", "2")).orElseThrow().isEmpty());
    }

    @Test
    void removedAndAddedRulesBecomeDeletesAndPositionedInserts() {
        List<String> known = chain("1", "2", "3", "4", "5", "6");
        List<String> wanted = chain("0", "1", "3", "35", "4", "5", "6", "7");
        ChainEdits edits = ChainEdits.between("KEELSON-SERVICES", known, wanted).orElseThrow();
        assertEquals(List.of("-D KEELSON-SERVICES -d 10.0.0.2/32 -j KEELSON-SVC-2"), edits.deletes());
        assertEquals(List.of("-I KEELSON-SERVICES 1 -d 10.0.0.0/32 -j KEELSON-SVC-0",
                "-I KEELSON-SERVICES 4 -d 10.0.0.35/32 -j KEELSON-SVC-35",
                "-A KEELSON-SERVICES -d 10.0.0.7/32 -j KEELSON-SVC-7"), edits.inserts());
        assertEquals(wanted, applied(known, edits));
    }

    @Test
    void reorderedRepeatedOrLargelyChangedChainsAreRewritten() {
        assertEquals(Optional.empty(), ChainEdits.between("KEELSON-SERVICES", chain("1", "2", "3"),
                chain("2", "1", "3")));
        assertEquals(Optional.empty(), ChainEdits.between("KEELSON-SERVICES", chain("1", "1", "3"),
                chain("1", "3")));
        assertEquals(Optional.empty(), ChainEdits.between("KEELSON-SERVICES", chain("1", "2", "3", "4"),
                chain("5", "6", "7", "4")));
    }

    @Test
    void randomSmallChangesEditToExactlyTheWantedChain() {
        Random random = new Random(3);
        for (int round = 0; round < 500; round++) {
            List<String> known = new ArrayList<>();
            List<String> wanted = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                boolean inKnown = random.nextInt(10) > 0;
                boolean inWanted = random.nextInt(10) > 0;
                if (inKnown) {
                    known.addAll(chain(String.valueOf(i)));
                }
                if (inWanted) {
                    wanted.addAll(chain(String.valueOf(i)));
                }
            }
            Optional<ChainEdits> edits = ChainEdits.between("KEELSON-SERVICES", known, wanted);
            if (edits.isPresent()) {
                assertEquals(wanted, applied(known, edits.get()), "round " + round);
            }
        }
    }
}
