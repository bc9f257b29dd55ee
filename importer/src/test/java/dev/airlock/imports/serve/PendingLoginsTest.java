package dev.airlock.imports.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which connection waiting for its login makes room: the oldest, of the newcomer's address or of the busiest one. */
class PendingLoginsTest {
    @Test
    void overThePerAddressBound_theOldestOfThatAddressGoes_neverAnotherAddresss() {
        PendingLogins<String> p = new PendingLogins<>(3, 100);
        p.add("sender", "10.0.0.7", 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), p.add("idle" + i, "10.0.0.66", i + 1));
        }
        List<PendingLogins.Drop<String>> d = p.add("idle3", "10.0.0.66", 10);
        assertEquals(1, d.size());
        assertEquals("idle0", d.get(0).session(), "the oldest of 10.0.0.66, not the older sender from 10.0.0.7");
        assertTrue(d.get(0).why().contains("4 connections from 10.0.0.66 not logged in yet (at most 3 per address"), d.get(0).why());
        assertEquals(4, p.size());
    }

    @Test
    void overTheBoundInAll_theOldestOfTheBusiestAddressGoes_andOneLoggedInNoLongerCounts() {
        PendingLogins<String> p = new PendingLogins<>(10, 5);
        p.add("a1", "10.0.0.1", 0);
        p.add("b1", "10.0.0.2", 1);
        p.add("b2", "10.0.0.2", 2);
        p.add("c1", "10.0.0.3", 3);
        p.add("b3", "10.0.0.2", 4);
        List<PendingLogins.Drop<String>> d = p.add("new", "10.0.0.4", 5);
        assertEquals("b1", d.get(0).session(), "10.0.0.2 holds the most; a1 is older but alone");
        assertTrue(d.get(0).why().contains("6 connections not logged in yet (at most 5 in all"), d.get(0).why());

        assertEquals("b2", p.add("b4", "10.0.0.2", 6).get(0).session(), "still the busiest: its oldest goes, not the newcomer");

        p.remove("b3"); // logged in: no longer counted
        assertEquals(List.of(), p.add("late", "10.0.0.5", 7));
        // every address holds one now: the oldest of all goes
        assertEquals("a1", p.add("later", "10.0.0.6", 8).get(0).session());
        assertEquals(5, p.size());
    }
}
