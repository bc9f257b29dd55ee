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

    /**
     * Red-team pass W, R4: over the bound in all, every address holding one connection, the oldest of
     * all went: one connection from each of thirty addresses (a local user has all of 127/8) dropped a
     * sender's pending login, and about thirty connects per login time kept every push out, unseen by
     * a per-source rate limit. An address that has logged in before (an exporter's) now goes last.
     */
    @Test
    void overTheBoundInAll_anAddressThatLoggedInBefore_goesLast_evenWhenEveryAddressHoldsOne() {
        PendingLogins<String> p = new PendingLogins<>(10, 5);
        p.add("first-push", "10.0.0.7", 0);
        p.loggedIn("first-push");
        p.add("sender", "10.0.0.7", 1); // its next push, slow to log in
        for (int i = 0; i < 30; i++) {
            List<PendingLogins.Drop<String>> d = p.add("s" + i, "10.0.1." + i, 2 + i);
            assertTrue(d.stream().noneMatch(x -> x.session().equals("sender")), "the sender's pending login was dropped for s" + i);
        }
        assertEquals(5, p.size());

        p.remove("sender"); // closed, not logged in: its address stays one that has
        p.add("sender2", "10.0.0.7", 40);
        for (int i = 0; i < 10; i++) {
            assertTrue(p.add("t" + i, "10.0.2." + i, 41 + i).stream().noneMatch(x -> x.session().equals("sender2")));
        }
        // only known addresses pending: the oldest of the busiest goes, as before
        PendingLogins<String> q = new PendingLogins<>(10, 2);
        q.add("a", "10.0.0.1", 0);
        q.loggedIn("a");
        q.add("b", "10.0.0.2", 1);
        q.loggedIn("b");
        q.add("a2", "10.0.0.1", 2);
        q.add("b2", "10.0.0.2", 3);
        assertEquals("b2", q.add("b3", "10.0.0.2", 4).get(0).session(), "10.0.0.2 holds the most");
    }
}
