package dev.keelson.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResourcesTest {

    /** A kind with no behaviour of its own, as a custom resource would be registered. */
    private static final class Widgets extends Strategy {
        Widgets(String version) {
            super(Registration.namespaced("example.com/" + version, "Widget", "widgets", null).shortNames("wd")
                    .categories("all").subresources("status")
                    .scale(new ScaleSubresource(".spec.size", ".status.size", ".status.selector",
                            ScaleSubresource.SelectorForm.STRING)));
        }
    }

    private static Resources builtIn() {
        return Resources.builtIn(new PodStrategy(), new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767));
    }

    @Test
    void builtInKindsAreFoundByResourceAndByKind() {
        Resources r = builtIn();
        ResourceType deployments = r.find("apps", "v1", "deployments");
        assertSame(deployments, r.byKind("apps/v1", "Deployment"));
        assertEquals(List.of("deploy"), deployments.shortNames());
        assertEquals(ScaleSubresource.WORKLOAD, deployments.scale());
        assertTrue(deployments.subresources().containsAll(List.of("status", "scale")));
        assertEquals("/registry/minions/n1", r.find("", "v1", "nodes").key(null, "n1"));
        assertEquals("v1", r.groupVersions().get(0));
    }

    @Test
    void aKindRegisteredAtRuntimeIsServedUntilUnregistered() {
        Resources r = builtIn();
        List<String> seen = new ArrayList<>();
        r.addListener(new Resources.Listener() {
            @Override
            public void registered(ResourceType type) {
                seen.add("+" + type.plural());
            }

            @Override
            public void unregistered(ResourceType type) {
                seen.add("-" + type.plural());
            }
        });
        ResourceType widgets = new Widgets("v1").type();
        r.register(widgets);
        assertSame(widgets, r.find("example.com", "v1", "widgets"));
        assertSame(widgets, r.byKind("example.com/v1", "Widget"));
        assertTrue(r.groupVersions().contains("example.com/v1"));
        assertTrue(r.all().contains(widgets));

        assertTrue(r.unregister(widgets));
        assertNull(r.find("example.com", "v1", "widgets"));
        assertNull(r.byKind("example.com/v1", "Widget"));
        assertFalse(r.groupVersions().contains("example.com/v1"));
        assertFalse(r.unregister(widgets), "a second unregister finds nothing");
        assertEquals(List.of("+widgets", "-widgets"), seen);
    }

    @Test
    void aSecondRegistrationOfTheSameResourceOrKindIsRefused() {
        Resources r = builtIn();
        r.register(new Widgets("v1").type());
        assertThrows(IllegalArgumentException.class, () -> r.register(new Widgets("v1").type()));
        assertThrows(IllegalArgumentException.class, () -> r.register(new ConfigMapStrategy().type()));
        r.register(new Widgets("v2").type());
        assertEquals(2, r.all().stream().filter(t -> t.plural().equals("widgets")).count());
    }

    @Test
    void unregisteringAnotherInstanceOfTheSameKindLeavesTheServedOneAlone() {
        Resources r = builtIn();
        ResourceType served = new Widgets("v1").type();
        r.register(served);
        assertFalse(r.unregister(new Widgets("v1").type()));
        assertSame(served, r.find("example.com", "v1", "widgets"));
    }

    @Test
    void readersSeeWholeCataloguesWhileWritersRegister() throws Exception {
        Resources r = builtIn();
        int builtIns = r.all().size();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (done.getCount() > 0) {
                List<ResourceType> all = r.all();
                if (all.size() < builtIns || r.find("", "v1", "pods") == null) {
                    failure.set("saw a catalogue of " + all.size() + " types");
                }
                for (ResourceType t : all) {
                    if (t.plural().startsWith("widgets") && all.indexOf(t) < builtIns) {
                        failure.set("custom type before the built-ins");
                    }
                }
            }
        });
        reader.start();
        for (int i = 0; i < 200; i++) {
            int n = i;
            ResourceType t = new Strategy(Registration.namespaced("example.com/v1", "Widget" + n, "widgets" + n,
                    null)) { }.type();
            r.register(t);
            if (n % 2 == 0) {
                assertTrue(r.unregister(t));
            }
        }
        done.countDown();
        reader.join();
        assertNull(failure.get());
        assertEquals(builtIns + 100, r.all().size());
    }
}
