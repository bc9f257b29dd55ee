package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import dev.airlock.testing.Tools;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team findings (issue 17, second pass, helper rB): the inbox's control directory
 * {@code .airlock-watch/} is trusted as if only the watcher could write it. Anyone who can write
 * dot names into the inbox (an OpenSSH/sftp-only push login, an NFS share, a stick copied in with
 * its dot files; not {@code serve}, which refuses dot names) can plant its journal or its lock.
 * Each test fails on the main it was written against.
 */
class InboxControlRedTeamTest {
    @TempDir
    Path root;

    private final List<String> log = new ArrayList<>();

    private InboxWatcher watcher(Path inbox) {
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        return new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)), template,
                r -> {
                    throw new AssertionError("nothing may be imported here: " + r.bundle());
                }, log::add);
    }

    /**
     * A journal planted by a sender names moves from and to any path ({@code /abs}, {@code ../}) and
     * a reason file anywhere: on the watcher's next start it moved a file from outside the inbox to
     * outside the inbox, and created a file with the sender's content outside the inbox.
     */
    @Test
    void plantedJournal_neverMovesNorCreatesFilesOutsideTheInbox() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path outside = Files.createDirectories(root.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("precious.airlock.tar"), "a signed bundle");
        Path ledger = Files.writeString(outside.resolve("ledger.json"), "{}");
        Path created = outside.resolve("created-by-sender.sh");
        Files.createDirectories(inbox.resolve(".airlock-watch"));
        Files.writeString(inbox.resolve(".airlock-watch/journal.json"), "{\"action\":\"rejected\",\"bundle\":\"x.tar\",\"moves\":["
                + "{\"from\":\"" + precious + "\",\"to\":\"" + root.resolve("stolen.tar") + "\"},"
                + "{\"from\":\"../outside/ledger.json\",\"to\":\"done/ledger.json\"}],"
                + "\"reasonFile\":\"" + created + "\",\"reason\":\"#!/bin/sh\\necho owned\\n\",\"destination\":\"rejected/x.tar\"}");
        try {
            watcher(inbox).runOnce();
        } catch (AirlockException refused) {
            // refusing to start over a journal it did not write is fine too
        }
        assertTrue(Files.exists(precious), "a file outside the inbox was moved away: " + precious);
        assertTrue(Files.exists(ledger), "a file outside the inbox was moved into it: " + ledger);
        assertFalse(Files.exists(root.resolve("stolen.tar")), "a file was created outside the inbox");
        assertFalse(Files.exists(created), "a file with the sender's content was created outside the inbox");
    }

    /** A FIFO planted as {@code .airlock-watch/lock}: opening it for writing blocks forever; the watcher never starts. */
    @Test
    void fifoPlantedAsTheLock_doesNotHangTheWatcher() throws Exception {
        Assumptions.assumeTrue(Tools.has("mkfifo"), "needs mkfifo (coreutils) to make a FIFO");
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path lock = Files.createDirectories(inbox.resolve(".airlock-watch")).resolve("lock");
        Tools.run("mkfifo", lock.toString()).ok();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> run = pool.submit(() -> {
                try {
                    return watcher(inbox).runOnce();
                } catch (AirlockException refused) {
                    return refused;
                }
            });
            try {
                run.get(15, TimeUnit.SECONDS);
            } catch (TimeoutException hung) {
                try (InputStream unblock = Files.newInputStream(lock)) {
                    // opening the other end lets the blocked open return, so the test run can end
                }
                throw new AssertionError("the watcher hangs on a FIFO planted as " + lock);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A symbolic link planted as {@code .airlock-watch/lock} is followed: the watcher creates the file it names, anywhere. */
    @Test
    void linkPlantedAsTheLock_createsNoFileWhereItPoints() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path target = Files.createDirectories(root.resolve("outside")).resolve("created-via-lock");
        Files.createSymbolicLink(Files.createDirectories(inbox.resolve(".airlock-watch")).resolve("lock"), target);
        try {
            assertEquals(0, watcher(inbox).runOnce().exitCode());
        } catch (AirlockException refused) {
            // refusing the link is the other right answer
        }
        assertFalse(Files.exists(target), "the lock link was followed and created " + target);
    }

    /**
     * A journal the watcher itself wrote for a rejection with a numbered name ({@code rejected/NAME.~2~}
     * and its reason), stopped before any file moved: the next start still finishes it.
     */
    @Test
    void journalTheWatcherWrote_forANumberedRejection_isStillFinished() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Files.createDirectories(inbox.resolve("rejected"));
        Files.writeString(inbox.resolve("rejected/w.tar"), "an earlier w.tar");
        Path f = Files.writeString(inbox.resolve("w.tar"), "bundle");
        InboxMoves.Entry e = new InboxMoves(InboxLayout.of(inbox)).plan("w.tar", List.of(f), true, "bad\n");
        assertEquals("rejected/w.tar.~2~", e.destination());
        watcher(inbox).runOnce();
        assertFalse(Files.exists(f));
        assertEquals("bundle", Files.readString(inbox.resolve("rejected/w.tar.~2~")));
        assertEquals("bad\n", Files.readString(inbox.resolve("rejected/w.tar.~2~.reason")));
        assertFalse(Files.exists(inbox.resolve(".airlock-watch/journal.json")));
    }

    /** A journal naming only inbox files, but written by another user: refused, logged, nothing moved. */
    @Test
    void journalOfAnotherUser_isRefusedAndRemoved_nothingMoved() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path f = Files.writeString(inbox.resolve("v.bin"), "not a bundle name, so the scan leaves it alone");
        new InboxMoves(InboxLayout.of(inbox)).plan("v.bin", List.of(f), false, null);
        Path journal = inbox.resolve(".airlock-watch/journal.json");
        chownToAnotherUser(journal);
        watcher(inbox).runOnce();
        assertTrue(Files.exists(f), "a move from a journal of another user was carried out");
        assertFalse(Files.exists(journal));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("refused " + journal + ", which this watcher did not write")), log.toString());
    }

    /** A control directory another user made (or owns): the watcher does not start, exit 1, naming it; created ones are 0700. */
    @Test
    void controlDirectoryOfAnotherUser_isRefused_ownOneIsMadeOwnerOnly() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path control = Files.createDirectories(inbox.resolve(".airlock-watch"));
        chownToAnotherUser(control);
        AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(AirlockException.class, () -> watcher(inbox).runOnce());
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().startsWith(control + " (the watcher's control directory) belongs to uid "), e.getMessage());
        Files.delete(control);
        assertEquals(0, watcher(inbox).runOnce().exitCode());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(control)));
    }

    /** A regular file planted as the lock by another user: refused (exit 1) naming it, never taken as the watcher's own. */
    @Test
    void lockOfAnotherUser_isRefused() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        InboxLayout.of(inbox);
        Path lock = Files.writeString(inbox.resolve(".airlock-watch/lock"), "");
        chownToAnotherUser(lock);
        AirlockException e = org.junit.jupiter.api.Assertions.assertThrows(AirlockException.class, () -> watcher(inbox).runOnce());
        assertEquals(AirlockException.Kind.LOCAL, e.kind());
        assertTrue(e.getMessage().startsWith(lock + " (the watcher's lock) belongs to uid "), e.getMessage());
    }

    /** Makes another uid own {@code p}, as a sender's push login would; needs root, as these tests run. */
    private static void chownToAnotherUser(Path p) throws Exception {
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(self == 0, "needs root to give a file to another user (tests run as root)");
        Files.setAttribute(p, "unix:uid", 4242, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }
}
