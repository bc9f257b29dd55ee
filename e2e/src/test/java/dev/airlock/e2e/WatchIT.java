package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock-import watch} (issue 10, items 1 and 5) against real registries: bundles dropped
 * out of order imported in order, a gap reported, a damaged bundle rejected with its reason while
 * the next good one goes in, duplicates and half-written files, volume sets that wait until
 * complete, a registry that is down (the bundle stays), and the real launcher killed with SIGKILL
 * mid-import and stopped with SIGTERM mid-import.
 */
@ExtendWith(RegistryExtension.class)
class WatchIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private ChainFixture channel(Registries r) throws Exception {
        return new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
    }

    private Path inbox() throws IOException {
        return Files.createDirectories(tmp.resolve("inbox"));
    }

    private static List<String> watchArgs(ChainFixture c, TestRegistry target, Path inbox, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("watch", inbox.toString(), "--trust", c.exporterKey[1].toString(),
                "--registry", target.host() + "/mirror", "--state", c.dir.resolve("import-state").toString(), "--poll-interval", "500ms"));
        args.addAll(target.cliFlags());
        args.addAll(List.of(extra));
        if (!args.contains("--settle")) {
            args.addAll(List.of("--settle", "200ms"));
        }
        return args;
    }

    private static Airlock.Run once(ChainFixture c, Path inbox, String... extra) throws IOException {
        List<String> args = watchArgs(c, c.target, inbox, extra);
        args.add("--once");
        return Airlock.importer(args);
    }

    /** Puts {@code bundle}'s files into the inbox as a sender does: a dot name, then a rename. */
    private static void drop(Path file, Path inbox) throws IOException {
        Path tmp = inbox.resolve("." + file.getFileName() + ".part");
        Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, inbox.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<Long> appliedSequences(ChainFixture c) throws IOException {
        JsonNode ledger = new ObjectMapper().readTree(c.dir.resolve("import-state/channels/daily.json").toFile());
        List<Long> out = new ArrayList<>();
        for (JsonNode t : ledger.path("targets")) {
            for (JsonNode a : t.path("applied")) {
                out.add(a.path("sequence").asLong());
            }
        }
        return out;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> bundlesIn(Path inbox) throws IOException {
        return names(inbox).stream().filter(n -> !n.startsWith(".") && !n.equals("done") && !n.equals("rejected")).toList();
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void droppedThreeOneTwo_importedOneTwoThree_andTheGapIsReportedWhileItLasts(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path inbox = inbox();
        Path one = c.export();
        c.changeA(50_000);
        Path two = c.export();
        c.changeA(60_000);
        Path three = c.export();

        drop(three, inbox);
        Airlock.Run r = once(c, inbox);
        assertEquals(0, r.code(), "a held bundle is not a failure\n" + r);
        assertTrue(r.out().contains("waiting: channel daily: daily-000003.airlock.tar (sequence 3) follows sequence 2, which has not been"
                + " applied (no bundle of this channel applied yet: a full bundle or sequences 1 to 2), since "), r.out());
        assertEquals(List.of("daily-000003.airlock.tar"), bundlesIn(inbox), "held, not moved");

        drop(one, inbox);
        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("imported daily-000001.airlock.tar: channel daily, sequence 1"), r.out());
        assertTrue(r.out().contains("waiting: channel daily: daily-000003.airlock.tar (sequence 3) follows sequence 2, which has not been"
                + " applied (last applied: 1; missing sequence 2), since "), r.out());
        assertEquals(List.of(1L), appliedSequences(c));

        drop(two, inbox);
        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        int i2 = r.out().indexOf("imported daily-000002.airlock.tar");
        int i3 = r.out().indexOf("imported daily-000003.airlock.tar");
        assertTrue(i2 >= 0 && i3 > i2, "2 before 3:\n" + r.out());
        assertTrue(r.out().contains("once: 2 imported, 0 duplicate(s), 0 rejected, 0 left to retry, 0 channel(s) waiting"), r.out());
        assertEquals(List.of(1L, 2L, 3L), appliedSequences(c), "the ledger records them in order, each once");
        assertEquals(List.of(), bundlesIn(inbox));
        assertEquals(List.of("daily-000001.airlock.tar", "daily-000002.airlock.tar", "daily-000003.airlock.tar"), names(inbox.resolve("done")));
        assertEquals(List.of(), names(inbox.resolve("rejected")));
        c.assertAllIdentical();
    }

    @Test
    void damagedBundle_isRejectedWithItsReasonAndExit3_theNextGoodOneIsImported_andADuplicateGoesToDone(Registries registries)
            throws Exception {
        ChainFixture c = channel(registries);
        Path inbox = inbox();
        Path one = c.export();
        c.changeA(40_000);
        Path two = c.export();
        Path damaged = tmp.resolve("damaged").resolve(one.getFileName());
        Files.createDirectories(damaged.getParent());
        Files.copy(one, damaged);
        String blob = Fixture.entryNames(damaged).stream().filter(n -> n.startsWith("blobs/sha256/")).reduce((a, b) -> b).orElseThrow();
        Fixture.flipByte(damaged, blob, 7);

        drop(damaged, inbox);
        Files.writeString(inbox.resolve("notes.txt"), "not a bundle");
        Files.writeString(inbox.resolve("daily-000009.airlock.tar.part"), "half");
        Files.writeString(inbox.resolve(".daily-000010.airlock.tar"), "hidden");
        Airlock.Run r = once(c, inbox);
        assertEquals(3, r.code(), "the highest exit code of the refused ones\n" + r);
        assertTrue(r.out().contains("rejected daily-000001.airlock.tar: exit 3: "), r.out());
        assertTrue(r.out().contains("ignoring notes.txt: not a bundle"), r.out());
        assertFalse(r.out().contains(".part") || r.out().contains("000010"), "partial names are not even mentioned\n" + r.out());
        List<String> reason = Files.readAllLines(inbox.resolve("rejected/daily-000001.airlock.tar.reason"));
        assertEquals(2, reason.size(), reason.toString());
        assertTrue(reason.get(0).startsWith("airlock-import: ") && reason.get(0).contains(blob.substring("blobs/sha256/".length(), 20)),
                "the one-line error names the damaged blob: " + reason);
        assertEquals("exit 3", reason.get(1));
        assertEquals(Files.size(one), Files.size(inbox.resolve("rejected/daily-000001.airlock.tar")));
        assertEquals(List.of(".daily-000010.airlock.tar", ".airlock-watch", "daily-000009.airlock.tar.part", "done", "notes.txt", "rejected")
                .stream().sorted().toList(), names(inbox), "the rest untouched");

        // The good copy of the same bundle, and the next one: both imported, in order.
        drop(two, inbox);
        drop(one, inbox);
        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().indexOf("imported daily-000001") >= 0 && r.out().indexOf("imported daily-000002") > r.out().indexOf("imported daily-000001"),
                r.out());
        assertEquals(List.of(1L, 2L), appliedSequences(c));
        c.assertAllIdentical();

        // The same bundle again: a harmless duplicate, under a numbered name (nothing overwritten).
        drop(two, inbox);
        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("duplicate daily-000002.airlock.tar: channel daily, sequence 2"), r.out());
        assertTrue(r.out().contains("-> done/daily-000002.airlock.tar.~2~"), r.out());
        assertEquals(List.of("daily-000001.airlock.tar", "daily-000002.airlock.tar", "daily-000002.airlock.tar.~2~"), names(inbox.resolve("done")));
        assertEquals(List.of(1L, 2L), appliedSequences(c), "applied once");
    }

    @Test
    void fileStillGrowing_isNotTouched_andIsTakenOnceComplete(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path inbox = inbox();
        Path one = c.export();
        byte[] all = Files.readAllBytes(one);
        Path target = inbox.resolve(one.getFileName());
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(target)) {
                int chunk = all.length / 40 + 1;
                for (int off = 0; off < all.length; off += chunk) {
                    out.write(all, off, Math.min(chunk, all.length - off));
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        while (!Files.exists(target) || Files.size(target) == 0) {
            Thread.sleep(10);
        }
        Airlock.Run r = once(c, inbox, "--settle", "1s");
        writer.join(20_000);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("daily-000001.airlock.tar is still being written: left for the next run"), r.out());
        assertFalse(r.out().contains("picked up"), r.out());
        assertEquals(List.of(), names(inbox.resolve("rejected")));
        assertEquals(all.length, Files.size(target), "the writer finished undisturbed");

        r = once(c, inbox, "--settle", "200ms");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("imported daily-000001.airlock.tar"), r.out());
        c.assertAllIdentical();
    }

    @Test
    void incompleteVolumeSet_waits_andIsTakenWhenTheLastVolumeArrives_everyFileToDone(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path inbox = inbox();
        Path list = c.export("--max-volume-size", "1M");
        assertTrue(list.getFileName().toString().endsWith(".volumes.json"), list.toString());
        List<Path> files;
        try (Stream<Path> s = Files.list(list.getParent())) {
            files = s.filter(p -> p.getFileName().toString().startsWith("daily-000001")).sorted().toList();
        }
        Path last = files.stream().filter(p -> p.getFileName().toString().endsWith(".tar.001")).findFirst().orElseThrow();
        for (Path f : files) {
            if (!f.equals(last)) {
                drop(f, inbox);
            }
        }
        Airlock.Run r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("volume set daily-000001.airlock.volumes.json is incomplete: 1 of 2 volumes here; waiting for "
                + "daily-000001.airlock.tar.001"), r.out());
        assertFalse(r.out().contains("picked up"), r.out());
        assertEquals(files.size() - 1, bundlesIn(inbox).size());

        drop(last, inbox);
        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("imported daily-000001.airlock.volumes.json: channel daily, sequence 1"), r.out());
        assertEquals(List.of(), bundlesIn(inbox));
        assertEquals(files.stream().map(p -> p.getFileName().toString()).toList(), names(inbox.resolve("done")));
        c.assertAllIdentical();
    }

    @Test
    void registryDown_leavesTheBundleInPlaceWithExit5_andTheNextRunImportsIt(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Assumptions.assumeTrue(c.target.restartable(), "needs Debian's docker-registry process to stop and start a registry");
        Path inbox = inbox();
        drop(c.export(), inbox);
        c.target.stop();
        Airlock.Run r;
        try {
            r = once(c, inbox, "--retries", "1");
        } finally {
            c.target.start();
        }
        assertEquals(5, r.code(), r.toString());
        assertTrue(r.out().contains("left daily-000001.airlock.tar in place: exit 5: "), r.out());
        assertEquals(List.of("daily-000001.airlock.tar"), bundlesIn(inbox));
        assertEquals(List.of(), names(inbox.resolve("rejected")));

        r = once(c, inbox);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("imported daily-000001.airlock.tar"), r.out());
        c.assertAllIdentical();
    }

    // ------------------------------------------------------------------ the real launcher, killed and stopped

    @Test
    void watchKilledWithSigkillMidImport_restartImportsItOnce_secondWatcherRefused_sigtermMidImportExits0(Registries registries)
            throws Exception {
        Path launcher = launcher();
        TestRegistry real = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), real, tmp).seedThree();
        Path inbox = inbox();
        Path one = c.export();
        c.changeA(400_000);
        Path two = c.export();
        try (FaultProxy proxy = FaultProxy.start(real)) {
            TestRegistry through = real.through(proxy);
            // Every upload of a layer stalls for a while after its first 50 kB: an import that takes seconds.
            proxy.on("*", ".*/blobs/uploads/.+").stallRequestBodyAfter(50_000, Duration.ofMillis(1500));
            List<String> args = watchArgs(c, through, inbox, "--parallel", "1");

            Child first = Child.start(launcher, args, tmp.resolve("watch-1"));
            drop(one, inbox);
            first.waitFor(l -> l.contains("picked up daily-000001.airlock.tar"));
            waitUntil(() -> stalls(proxy) > 0, "a layer upload under way");
            // A second watcher on the same inbox is refused.
            Airlock.Run second = Airlock.importer(watchArgs(c, through, inbox, "--once"));
            assertEquals(1, second.code(), second.toString());
            assertTrue(second.err().contains("another airlock-import watch or serve (which watches its inbox too) is working on the inbox " + inbox), second.err());
            first.process.destroyForcibly();
            assertTrue(first.process.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, first.process.exitValue(), "killed mid-import\n" + first.log());
            assertFalse(first.log().contains("imported daily-000001"), first.log());
            assertTrue(Files.exists(inbox.resolve(one.getFileName())), "the bundle is still in the inbox");

            // Restart: the same bundle is imported, once; then bundle 2 is stopped with SIGTERM mid-import.
            Child again = Child.start(launcher, args, tmp.resolve("watch-2"));
            again.waitFor(l -> l.contains("imported daily-000001.airlock.tar"));
            assertTrue(again.log().contains("resuming daily-000001.airlock.tar: it was being imported when the watcher last stopped"),
                    again.log());
            int before = stalls(proxy);
            drop(two, inbox);
            again.waitFor(l -> l.contains("picked up daily-000002.airlock.tar"));
            waitUntil(() -> stalls(proxy) > before, "a layer upload of bundle 2 under way");
            again.process.destroy(); // SIGTERM
            assertTrue(again.process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS), "hung after SIGTERM\n" + again.log());
            String log = again.log();
            assertEquals(0, again.process.exitValue(), "SIGTERM ends a watcher cleanly\n" + log);
            int stopping = log.indexOf("stopping: finishing the current import first");
            int imported = log.indexOf("imported daily-000002.airlock.tar");
            assertTrue(stopping > 0 && imported > stopping && log.indexOf("stopped watching") > imported, log);
        }
        assertEquals(List.of(1L, 2L), appliedSequences(c), "each imported once");
        assertEquals(List.of(), bundlesIn(inbox));
        assertEquals(List.of("daily-000001.airlock.tar", "daily-000002.airlock.tar"), names(inbox.resolve("done")));
        assertFalse(Files.exists(inbox.resolve(".airlock-watch/journal.json")), "no journal left behind");
        c.assertAllIdentical();
    }

    /** Layer uploads that have reached the stall so far. */
    private static int stalls(FaultProxy proxy) {
        return (int) proxy.exchanges().stream().filter(e -> e.outcome().startsWith("stalled")).count();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** scripts/airlock-import of this checkout, with its jar built (the reactor's package phase). */
    static Path launcher() {
        Path launcher = launcherPath();
        Assumptions.assumeTrue(Files.isRegularFile(launcher.getParent().getParent().resolve("importer/target/airlock-import.jar")),
                "needs importer/target/airlock-import.jar: run through the reactor (mvn verify), which packages it first");
        return launcher;
    }

    /** scripts/airlock-import of this checkout. */
    static Path launcherPath() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/airlock-import"))) {
            dir = dir.getParent();
        }
        Assumptions.assumeTrue(dir != null, "needs scripts/airlock-import of this checkout (not found above " + System.getProperty("user.dir") + ")");
        return dir.resolve("scripts/airlock-import");
    }

    /** The real launcher in its own process: killable, signalled like a service. */
    private static final class Child {
        final Process process;
        final Path out;

        private Child(Process process, Path out) {
            this.process = process;
            this.out = out;
        }

        static Child start(Path launcher, List<String> args, Path logs) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(launcher.toString());
            cmd.addAll(args);
            cmd.add("--progress=none");
            Path out = logs.resolveSibling(logs.getFileName() + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            return new Child(p, out);
        }

        String log() throws IOException {
            return Files.readString(out);
        }

        void waitFor(Predicate<String> line) throws Exception {
            long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                if (log().lines().anyMatch(line)) {
                    return;
                }
                if (!process.isAlive()) {
                    fail("watch ended (exit " + process.exitValue() + ") before the expected line\n" + log());
                }
                Thread.sleep(20);
            }
            process.destroyForcibly();
            fail("hung: the expected line did not come within " + RUN_LIMIT.toSeconds() + " s\n" + log());
        }
    }
}
