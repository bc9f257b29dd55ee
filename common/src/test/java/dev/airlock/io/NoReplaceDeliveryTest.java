package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import dev.airlock.io.NoReplaceDelivery.Kind;
import dev.airlock.io.NoReplaceDelivery.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delivery rule, with two deliveries of one name racing each other round after round. */
class NoReplaceDeliveryTest {
    private static final int ROUNDS = 200;

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    /** vfat's answer to link(2) ("Operation not permitted"): no tmpfs or ext4 here can be made to give it on demand. */
    private static final NoReplaceDelivery NO_HARD_LINKS = new NoReplaceDelivery((name, existing) -> {
        throw new FileSystemException(name.toString(), existing.toString(), "Operation not permitted");
    });

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void twoDeliveriesOfOneNameAtOnce_withOtherBytes_keepBoth_neverReplacing() throws Exception {
        race(new NoReplaceDelivery(Files::createLink), false);
    }

    @Test
    void twoDeliveriesOfOneNameAtOnce_withoutHardLinks_keepBoth_byExclusiveCreate() throws Exception {
        race(NO_HARD_LINKS, false);
    }

    @Test
    void twoDeliveriesOfTheSameBytesAtOnce_areOneFileAndADuplicate() throws Exception {
        race(new NoReplaceDelivery(Files::createLink), true);
    }

    private void race(NoReplaceDelivery rule, boolean sameBytes) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path dir = Files.createDirectories(tmp.resolve("r" + round));
            byte[][] content = {bytes("first sender, round " + round), bytes(sameBytes ? "first sender, round " + round : "second, " + round)};
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<Outcome>> f = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Path src = Files.write(dir.resolve(".upload" + i), content[i]);
                f.add(pool.submit(() -> {
                    start.await();
                    return rule.move(src, dir.resolve("b.tar"));
                }));
            }
            Outcome a = f.get(0).get();
            Outcome b = f.get(1).get();
            Set<Kind> kinds = Set.of(a.kind(), b.kind());
            if (sameBytes) {
                assertEquals(Set.of(Kind.DELIVERED, Kind.DUPLICATE), kinds, "round " + round);
                assertEquals(List.of("b.tar"), names(dir), "round " + round);
                assertArrayEquals(content[0], Files.readAllBytes(dir.resolve("b.tar")));
                continue;
            }
            assertEquals(Set.of(Kind.DELIVERED, Kind.CONFLICT), kinds, "round " + round);
            Outcome kept = a.kind() == Kind.CONFLICT ? a : b;
            byte[] keptBytes = Files.readAllBytes(kept.path());
            assertEquals("b.tar.conflict-" + Digest.sha256Of(keptBytes).hex().substring(0, 16), kept.path().getFileName().toString());
            assertEquals(List.of("b.tar", kept.path().getFileName().toString()), names(dir), "round " + round);
            Set<String> found = new HashSet<>(List.of(text(Files.readAllBytes(dir.resolve("b.tar"))), text(keptBytes)));
            assertEquals(Set.of(text(content[0]), text(content[1])), found, "both byte-exact, round " + round);
        }
    }

    @Test
    void theSameConflictingFileAgain_isADuplicateOfItsKeptCopy_andAThirdOneGetsItsOwnName() throws Exception {
        NoReplaceDelivery rule = new NoReplaceDelivery(Files::createLink);
        Path target = tmp.resolve("b.tar");
        Files.writeString(target, "waiting");
        Outcome c = rule.move(Files.writeString(tmp.resolve(".u1"), "other"), target);
        assertEquals(Kind.CONFLICT, c.kind());
        Outcome again = rule.move(Files.writeString(tmp.resolve(".u2"), "other"), target);
        assertEquals(new Outcome(Kind.DUPLICATE, c.path()), again);
        Outcome same = rule.move(Files.writeString(tmp.resolve(".u3"), "waiting"), target);
        assertEquals(new Outcome(Kind.DUPLICATE, target), same);
        // A file of other bytes squatting on the conflict name (a forger who knows the sha): it stays, the real one goes beside.
        Files.move(c.path(), tmp.resolve("moved-away"));
        Files.writeString(c.path(), "squatter");
        Outcome third = rule.move(Files.writeString(tmp.resolve(".u4"), "other"), target);
        assertEquals(Kind.CONFLICT, third.kind());
        assertEquals(c.path().getFileName() + "-2", third.path().getFileName().toString());
        assertEquals("squatter", Files.readString(c.path()));
        assertEquals("waiting", Files.readString(target));
        assertFalse(names(tmp).stream().anyMatch(n -> n.startsWith(".u")), "no source left: " + names(tmp));
    }

    /**
     * Red-team pass Q, Q3: another user's file under the name holding the same bytes (he read the
     * receiver's temporary file, or re-sent a bundle he had seen) is no delivered copy: he may rewrite
     * it at any time. The source is kept beside it, and the same source again is a duplicate of that.
     */
    @Test
    void theSameBytesInAnotherUsersFileUnderTheName_isNoDuplicate_theSourceIsKeptBeside() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make another user's file");
        Path target = Files.writeString(tmp.resolve("b.tar"), "the real bytes");
        Files.setAttribute(target, "unix:uid", 54_321);
        Outcome o = NoReplaceDelivery.deliver(Files.writeString(tmp.resolve(".u1"), "the real bytes"), target);
        assertEquals(Kind.CONFLICT, o.kind());
        assertEquals("the real bytes", Files.readString(o.path()));
        assertEquals(0, (int) Files.getAttribute(o.path(), "unix:uid"));
        Outcome again = NoReplaceDelivery.deliver(Files.writeString(tmp.resolve(".u2"), "the real bytes"), target);
        assertEquals(new Outcome(Kind.DUPLICATE, o.path()), again);
        assertEquals(54_321, (int) Files.getAttribute(target, "unix:uid"));
    }

    @Test
    void aDirectoryUnderTheName_isNeverTouched_theFileGoesBeside() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("b.tar"));
        Outcome o = NoReplaceDelivery.deliver(Files.writeString(tmp.resolve(".u"), "x"), target);
        assertEquals(Kind.CONFLICT, o.kind());
        assertTrue(Files.isDirectory(target));
        assertEquals("x", Files.readString(o.path()));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
