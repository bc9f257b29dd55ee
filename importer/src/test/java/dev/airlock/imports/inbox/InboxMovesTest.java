package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inbox's moves, journal, lock and settle rules, on plain files (no bundle is imported here). */
class InboxMovesTest {
    @TempDir
    Path inbox;

    private final List<String> log = new ArrayList<>();

    private InboxWatcher watcher() {
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), inbox.resolve(".state"), 1, false);
        return new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)), template,
                r -> {
                    throw new AssertionError("nothing may be imported here: " + r.bundle());
                }, log::add);
    }

    private Path file(String name, String content) throws IOException {
        Path p = inbox.resolve(name);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
        return p;
    }

    private List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void volumeSetHalfMovedWhenKilled_isFinishedOnTheNextStart_beforeAnythingElse() throws IOException {
        List<Path> set = List.of(file("s.volumes.json", "list"), file("s.volumes.json.asc", "sig"), file("s.tar.000", "a"),
                file("s.tar.001", "b"));
        InboxMoves moves = new InboxMoves(InboxLayout.of(inbox));
        InboxMoves.Entry e = moves.plan("s.volumes.json", set, false, null);
        // The kill: after the journal and two of the four renames.
        Files.move(set.get(0), inbox.resolve("done/s.volumes.json"));
        Files.move(set.get(2), inbox.resolve("done/s.tar.000"));
        assertEquals(4, e.moves().size());

        WatchSummary s = watcher().runOnce();
        assertEquals(List.of("s.tar.000", "s.tar.001", "s.volumes.json", "s.volumes.json.asc"), names(inbox.resolve("done")));
        assertEquals(List.of(".airlock-watch", "done", "rejected"), names(inbox));
        assertFalse(Files.exists(inbox.resolve(".airlock-watch/journal.json")));
        assertTrue(log.get(0).startsWith("finishing the move of s.volumes.json to done/"), log.toString());
        assertEquals(0, s.exitCode());
    }

    @Test
    void rejectionWithReason_andNameCollisions_getNumberedNames_nothingOverwritten() throws IOException {
        InboxMoves moves = new InboxMoves(InboxLayout.of(inbox));
        assertEquals("rejected/x.tar", moves.move("x.tar", List.of(file("x.tar", "first")), true, "airlock-import: bad\nexit 3\n"));
        assertEquals("rejected/x.tar.~2~", moves.move("x.tar", List.of(file("x.tar", "second")), true, "airlock-import: worse\nexit 4\n"));
        assertEquals("done/x.tar", moves.move("x.tar", List.of(file("x.tar", "third")), false, null));
        assertEquals(List.of("x.tar", "x.tar.reason", "x.tar.~2~", "x.tar.~2~.reason"), names(inbox.resolve("rejected")));
        assertEquals("first", Files.readString(inbox.resolve("rejected/x.tar")));
        assertEquals("airlock-import: worse\nexit 4\n", Files.readString(inbox.resolve("rejected/x.tar.~2~.reason")));
        assertEquals("third", Files.readString(inbox.resolve("done/x.tar")));
    }

    /** A name rejected many times (T9: each numbered name was looked for from ~2~ up) gets the next number, never a taken one. */
    @Test
    void aNameRejectedAThousandTimes_getsTheNextNumber_andAGapIsNeverATakenName() throws IOException {
        Path rejected = Files.createDirectories(inbox.resolve("rejected"));
        Files.writeString(rejected.resolve("x.tar"), "0");
        for (int n = 2; n <= 1000; n++) {
            Files.writeString(rejected.resolve("x.tar.~" + n + "~"), String.valueOf(n));
        }
        Files.writeString(rejected.resolve("x.tar.~1010~.reason"), "a reason left without its bundle");
        InboxMoves moves = new InboxMoves(InboxLayout.of(inbox));
        assertEquals("rejected/x.tar.~1001~", moves.move("x.tar", List.of(file("x.tar", "the 1001st")), true, "bad\n"));
        int last = 1001;
        while (last < 1010) { // up to and past a number whose reason is taken: increasing, never that one
            String to = moves.move("x.tar", List.of(file("x.tar", "after " + last)), true, "bad\n");
            int n = Integer.parseInt(to.replaceAll(".*~(\\d+)~$", "$1"));
            assertTrue(n > last && n != 1010, to);
            assertEquals("after " + last, Files.readString(inbox.resolve(to)));
            last = n;
        }
        assertEquals("a reason left without its bundle", Files.readString(rejected.resolve("x.tar.~1010~.reason")));
    }

    /**
     * Round after round, the watcher rejects x.tar while another writer (an admin's {@code cp -n}, a
     * second host over NFS where the inbox lock does not hold) puts its own x.tar and x.tar.reason
     * into rejected/ without replacing, at the same moment: neither replaces the other, every byte of
     * both is kept, and the watcher says where its file went.
     */
    @Test
    void rejectedTwiceAtOnce_byTheWatcherAndAnotherWriter_neverReplacesAFileOrAReason() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 60; round++) {
                Path dir = Files.createDirectories(inbox.resolve("round" + round));
                InboxLayout layout = InboxLayout.of(dir);
                List<String> kept = new CopyOnWriteArrayList<>();
                InboxMoves moves = new InboxMoves(layout, kept::add);
                Path bundle = Files.writeString(dir.resolve("x.tar"), "the watcher's bundle " + round);
                String reason = "airlock-import: bad " + round + "\nexit 3\n";
                CyclicBarrier together = new CyclicBarrier(2);
                Future<String> watcher = pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return moves.move("x.tar", List.of(bundle), true, reason);
                });
                Future<List<String>> other = pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    List<String> written = new ArrayList<>();
                    for (String n : List.of("x.tar", "x.tar.reason")) {
                        try {
                            Files.writeString(layout.rejected().resolve(n), "the other writer's " + n, StandardOpenOption.CREATE_NEW);
                            written.add(n);
                        } catch (FileAlreadyExistsException e) {
                            // the watcher's came first: the other writer is told, like cp -n
                        }
                    }
                    return written;
                });
                String to = watcher.get(30, TimeUnit.SECONDS);
                for (String n : other.get(30, TimeUnit.SECONDS)) {
                    assertEquals("the other writer's " + n, Files.readString(layout.rejected().resolve(n)), "round " + round);
                }
                Map<String, String> found = new TreeMap<>();
                for (String n : names(layout.rejected())) {
                    found.put(Files.readString(layout.rejected().resolve(n)), n);
                }
                assertTrue(found.containsKey("the watcher's bundle " + round), "round " + round + ": " + found + " " + kept);
                assertTrue(found.containsKey(reason), "round " + round + ": " + found + " " + kept);
                String actual = dir.relativize(layout.rejected().resolve(found.get("the watcher's bundle " + round))).toString();
                assertTrue(actual.equals(to) || kept.stream().anyMatch(l -> l.contains(" as " + actual + ": ")),
                        "round " + round + ": the watcher's file is at " + actual + ", it said " + to + " " + kept);
                assertFalse(Files.exists(bundle), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A kill between the link into done/ and the unlink from the inbox: the next start finishes it, nothing is imported twice. */
    @Test
    void moveCutShortBetweenLinkAndUnlink_isFinishedOnTheNextStart() throws IOException {
        Path f = file("z.tar", "bundle");
        InboxMoves.Entry e = new InboxMoves(InboxLayout.of(inbox)).plan("z.tar", List.of(f), false, null);
        Files.createLink(inbox.resolve(e.moves().get(0).to()), f);
        watcher().runOnce();
        assertEquals(List.of("z.tar"), names(inbox.resolve("done")));
        assertFalse(Files.exists(f));
        assertEquals("bundle", Files.readString(inbox.resolve("done/z.tar")));
    }

    @Test
    void journalOfAnImportCutShort_isReported_andCleared() throws IOException {
        new InboxMoves(InboxLayout.of(inbox)).importing("y.tar");
        watcher().runOnce();
        assertTrue(log.get(0).startsWith("resuming y.tar: it was being imported when the watcher last stopped"), log.toString());
        assertFalse(Files.exists(inbox.resolve(".airlock-watch/journal.json")));
    }

    @Test
    void secondWatcherOnTheSameInbox_isRefusedWithExitCode1() {
        try (dev.airlock.io.ChannelLock held = InboxLock.acquire(InboxLayout.of(inbox))) {
            AirlockException e = assertThrows(AirlockException.class, () -> watcher().runOnce());
            assertEquals(AirlockException.Kind.LOCAL, e.kind());
            assertTrue(e.getMessage().startsWith("another airlock-import watch or serve (which watches its inbox too) is working on the inbox " + inbox), e.getMessage());
        }
    }

    @Test
    void partialAndDotNames_areNeverCandidates_aFreshFileSettles_anOldOneIsReady() throws IOException {
        file(".x.tar", "hidden");
        file("y.tar.part", "partial");
        file("old.tar", "old");
        Files.writeString(inbox.resolve("new.tar"), "new");
        InboxScan scan = new InboxScan(inbox, Duration.ofSeconds(30));
        InboxScan.Result r = scan.scan();
        assertEquals(List.of("new.tar", "old.tar"), r.candidates().stream().map(InboxScan.Candidate::key).toList());
        assertEquals(InboxScan.State.SETTLING, r.candidates().get(0).state());
        assertEquals(InboxScan.State.READY, r.candidates().get(1).state());
        assertTrue(r.nextDueNanos() - System.nanoTime() > Duration.ofSeconds(25).toNanos());
        assertEquals(List.of(), r.ignored());
    }

    @Test
    void aNameWithALineBreak_cannotForgeAnEventLine_itIsEscaped() throws IOException {
        file("x\n2025-01-01T00:00:00Z imported c-000009.airlock.tar\u001b[2K.tar", "not a bundle");
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), inbox.resolve(".state"), 1, false);
        WatchSummary s = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)),
                template, r -> {
                    throw AirlockException.malformed(r.bundle() + " is not an airlock bundle");
                }, log::add).runOnce();
        assertEquals(3, s.exitCode());
        assertTrue(log.stream().noneMatch(l -> l.contains("\n") || l.contains("\u001b")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("rejected x\\n2025-01-01T00:00:00Z imported c-000009.airlock.tar\\u001b[2K.tar: exit 3")),
                log.toString());
    }

    @Test
    void aFileThatExhaustsTheStackOrHeap_isSetAside_andTheWatcherGoesOnToTheNext() throws IOException {
        // A hostile tar that slipped past the header checks: before, the Error stopped watch (and serve) on every start.
        file("a-000001.airlock.tar", "deep");
        file("b-000001.airlock.tar", "big");
        file("c-000001.airlock.tar", "plain");
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), inbox.resolve(".state"), 1, false);
        WatchSummary s = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)),
                template, r -> {
                    String name = r.bundle().getFileName().toString();
                    if (name.startsWith("a-")) {
                        throw new StackOverflowError();
                    }
                    if (name.startsWith("b-")) {
                        throw new OutOfMemoryError("Java heap space");
                    }
                    throw AirlockException.malformed(r.bundle() + " is not an airlock bundle");
                }, log::add).runOnce();
        assertTrue(s.exitCode() > 0, log.toString());
        for (String n : List.of("a-000001.airlock.tar", "b-000001.airlock.tar", "c-000001.airlock.tar")) {
            assertTrue(Files.exists(inbox.resolve("rejected").resolve(n)), n + " set aside: " + log);
        }
        assertTrue(Files.readString(inbox.resolve("rejected/a-000001.airlock.tar.reason")).contains("exhausted the importer's stack"), log.toString());
        assertTrue(Files.readString(inbox.resolve("rejected/b-000001.airlock.tar.reason")).contains("exhausted the importer's memory"), log.toString());
    }
}
