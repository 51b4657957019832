package dev.keelson.proxy.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A partial sync applied on top of the previous state must leave the same chains and rules as a full sync of the
 * new state; checked with the {@link RestoreModel} fake over many random sequences of cluster changes.
 */
class PartialSyncTest {
    private static final ServiceRuleWriter WRITER = new ServiceRuleWriter("node-a", "10.244.0.0/16");

    @Test
    void partialSyncsOnTopOfThePreviousStateEqualAFullSyncOfTheNewState() {
        int edited = 0;
        for (long seed = 1; seed <= 20; seed++) {
            RandomCluster cluster = new RandomCluster(seed, 12);
            RestoreModel partial = new RestoreModel();
            RuleSet rules = cluster.rules(WRITER);
            partial.apply(rules.restoreText(TableState.ABSENT, TableState.ABSENT));
            TableState nat = rules.natAfter(TableState.ABSENT);
            TableState filter = rules.filterAfter(TableState.ABSENT);
            for (int sync = 0; sync < 15; sync++) {
                int changes = 1 + cluster.nextInt(3);
                for (int i = 0; i < changes; i++) {
                    cluster.change();
                }
                rules = cluster.rules(WRITER);
                assertEquals(cluster.rules(new ServiceRuleWriter("node-a", "10.244.0.0/16")), rules,
                        "rules reused from the previous write equal rules written afresh");
                String text = rules.partialRestoreText(nat, filter, cluster.changed());
                if (text.contains("\n-D " + ChainNames.SERVICES + " ")
                        || text.contains("\n-I " + ChainNames.SERVICES + " ")) {
                    edited++;
                }
                partial.apply(text);
                nat = rules.natAfter(nat);
                filter = rules.filterAfter(filter);
                cluster.changed().clear();

                RestoreModel full = new RestoreModel();
                full.apply(rules.restoreText(TableState.ABSENT, TableState.ABSENT));
                assertEquals(full.state(), partial.state(), "seed " + seed + ", sync " + sync);
                assertEquals(partial.tableState("nat").chains(), nat.chains(),
                        "what the proxy believes the nat table holds");
                assertEquals(partial.tableState("filter").chains(), filter.chains());
                assertEquals(full.state().get("nat").get(ChainNames.SERVICES), nat.knownRules()
                        .get(ChainNames.SERVICES), "the dispatch rules the proxy believes it wrote");
            }
        }
        assertTrue(edited > 0, "some syncs edited the dispatch chain rule by rule rather than rewriting it");
    }

    @Test
    void partialSyncThatMissesAChangedServiceLeavesItsOldRules() {
        RandomCluster cluster = new RandomCluster(7, 3);
        RuleSet before = cluster.rules(WRITER);
        RestoreModel model = new RestoreModel();
        model.apply(before.restoreText(TableState.ABSENT, TableState.ABSENT));
        String svc = before.natChains().stream().filter(c -> c.startsWith("KEELSON-SVC-")).findFirst().orElseThrow();
        String service = before.chainServices().get(svc);

        EndpointSlice slice = cluster.slices().get(service.substring("default/".length()) + "-a");
        cluster.slices().put(slice.getMetadata().getName(), new EndpointSliceBuilder(slice)
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.9.9").withNodeName("node-b").build())
                .build());
        RuleSet after = cluster.rules(WRITER);
        TableState nat = before.natAfter(TableState.ABSENT);
        TableState filter = before.filterAfter(TableState.ABSENT);

        RestoreModel missed = new RestoreModel();
        missed.apply(before.restoreText(TableState.ABSENT, TableState.ABSENT));
        missed.apply(after.partialRestoreText(nat, filter, Set.of()));
        model.apply(after.partialRestoreText(nat, filter, Set.of(service)));
        RestoreModel full = new RestoreModel();
        full.apply(after.restoreText(TableState.ABSENT, TableState.ABSENT));

        assertEquals(full.state(), model.state());
        assertNotEquals(full.state(), missed.state(), "the changed set is what decides which chains are written");
    }
}
