package dev.keelson.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SyncSlotsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void twoSyncsMayStartBackToBackThenOnePerInterval() {
        SyncSlots slots = new SyncSlots(SECOND, 2, 0);
        assertEquals(0, slots.waitNanos(0));
        slots.started(0);
        assertEquals(0, slots.waitNanos(10), "the second of a burst starts at once");
        slots.started(10);
        assertEquals(SECOND - 20, slots.waitNanos(20), "the third waits until a token is back");
        slots.started(SECOND);
        assertEquals(SECOND, slots.waitNanos(SECOND), "under steady demand starts are an interval apart");
    }

    @Test
    void aQuietSpellRefillsTheBurst() {
        SyncSlots slots = new SyncSlots(SECOND, 2, 0);
        slots.started(0);
        slots.started(1);
        slots.started(SECOND);
        assertEquals(0, slots.waitNanos(4 * SECOND));
        slots.started(4 * SECOND);
        assertEquals(0, slots.waitNanos(4 * SECOND + 5));
    }

    @Test
    void zeroIntervalNeverWaits() {
        SyncSlots slots = new SyncSlots(0, 2, 0);
        for (int i = 0; i < 5; i++) {
            slots.started(i);
            assertEquals(0, slots.waitNanos(i));
        }
    }
}
