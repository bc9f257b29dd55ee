package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.export.cli.ExportMain;
import dev.airlock.testing.SshdExtension;
import dev.airlock.testing.TcpProxy;
import dev.airlock.testing.TestSshd;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code airlock-export push} to OpenSSH's real sshd on loopback (the bastion): byte-identical
 * arrival under the final name only, order, resume after a kill and after a dropped connection,
 * strict host-key checking (unknown and changed keys refused before login, hashed and
 * {@code [host]:port} entries understood), identity types and passphrases, and the failure kinds.
 */
@ExtendWith(SshdExtension.class)
class SftpPushIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RUN_LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ arrival, order, names

    @Test
    void filesArriveByteIdentical_inTheOrderGiven_listFileLast_andNoPartIsLeft(TestSshd sshd) throws Exception {
        Path key = sshd.authorizedKey("ed25519", "");
        Path v0 = randomFile("set.tar.000", 3 << 20, 1);
        Path v1 = randomFile("set.tar.001", 1 << 20, 2);
        Path list = randomFile("set.volumes.json", 700, 3);

        Airlock.Run run;
        List<String> appeared;
        try (InboxWatch watch = InboxWatch.start(sshd.inbox())) {
            run = Airlock.export(push(sshd, key, sshd.knownHosts(tmp.resolve("kh")), List.of(v0, v1, list), "--json")).ok();
            appeared = watch.finalNames(3);
        }

        assertEquals(List.of("set.tar.000", "set.tar.001", "set.volumes.json"), names(sshd.inbox()), "only the final names, no .part");
        for (Path f : List.of(v0, v1, list)) {
            assertEquals(sha256(f), sha256(sshd.inbox().resolve(f.getFileName().toString())), f.getFileName().toString());
        }
        JsonNode r = JSON.readTree(run.out());
        for (int i = 0; i < 3; i++) {
            JsonNode f = r.path("files").get(i);
            assertEquals(sshd.inbox() + "/" + List.of("set.tar.000", "set.tar.001", "set.volumes.json").get(i), f.path("remote").asText());
            assertEquals(0, f.path("resumedFrom").asLong());
            assertEquals(f.path("size").asLong(), f.path("sent").asLong());
        }
        // What a watcher on the bastion (inotify) sees appear under final names, in order: the list file last.
        assertEquals(List.of("set.tar.000", "set.tar.001", "set.volumes.json"), appeared);
    }

    // ------------------------------------------------------------------ helpers

    private List<String> push(TestSshd sshd, Path identity, Path knownHosts, List<Path> files, String... extra) {
        return push(sshd.url(), identity, knownHosts, files, extra);
    }

    private List<String> push(String url, Path identity, Path knownHosts, List<Path> files, String... extra) {
        List<String> args = new ArrayList<>(List.of("push"));
        files.forEach(f -> args.add(f.toString()));
        args.addAll(List.of("--to", url, "--identity", identity.toString(), "--known-hosts", knownHosts.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    private Path randomFile(String name, long size, long seed) throws IOException {
        Path f = tmp.resolve("local").resolve(name);
        Files.createDirectories(f.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return f;
    }

    private static String sha256(Path f) throws Exception {
        return Digest.sha256Of(Files.readAllBytes(f)).toString();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Final names (not {@code .part}) appearing in a directory, in the order inotify reports them. */
    private static final class InboxWatch implements AutoCloseable {
        private final WatchService watch;

        private InboxWatch(WatchService watch) {
            this.watch = watch;
        }

        static InboxWatch start(Path dir) throws IOException {
            WatchService w = dir.getFileSystem().newWatchService();
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE);
            return new InboxWatch(w);
        }

        List<String> finalNames(int expected) throws Exception {
            List<String> names = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (names.size() < expected && System.nanoTime() < deadline) {
                WatchKey k = watch.poll(100, TimeUnit.MILLISECONDS);
                if (k == null) {
                    continue;
                }
                for (WatchEvent<?> e : k.pollEvents()) {
                    String n = String.valueOf(e.context());
                    if (!n.endsWith(".part")) {
                        names.add(n);
                    }
                }
                k.reset();
            }
            return names;
        }

        @Override
        public void close() throws IOException {
            watch.close();
        }
    }
}
