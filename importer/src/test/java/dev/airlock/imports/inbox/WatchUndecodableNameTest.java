package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass K (issue 17): a file name is bytes; Java gives it as a string in the file system's
 * encoding (sun.jnu.encoding, from LANG), and a name that is not valid there (the byte 0xff in
 * UTF-8; any byte over 0x7f under LANG=C, where systemd starts services) is decoded with a
 * replacement character. The scan found the file through its listing, but every later use went
 * through the string, to a name that does not exist: the bundle.json could not be read (so it
 * was taken first, before every readable bundle), the import failed, and the check that nothing
 * changed under the import failed too, so it was "looking at it again" at once, forever: one
 * empty file from a stranger and {@code watch --once} never returned, a long-running watch took
 * no other bundle, and the log grew by hundreds of lines a second. The file is made by the shell:
 * a Java string cannot name it.
 */
class WatchUndecodableNameTest {
    @TempDir
    Path root;

    @Test
    void watchOnce_aFileWhoseNameCannotBeDecoded_isIgnored_andTheRunEnds() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Process p = new ProcessBuilder("bash", "-c", "cd \"$1\" && printf x > \"$(printf 'bad\\377.airlock.tar')\" && touch -d '1 hour ago' bad*",
                "bash", inbox.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        Path good = inbox.resolve("good.airlock.tar");
        Files.writeString(good, "x");
        Files.setLastModifiedTime(good, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> asked = new CopyOnWriteArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofSeconds(1)),
                template, r -> {
                    asked.add(r.bundle().getFileName().toString());
                    throw AirlockException.malformed(r.bundle() + " is not a bundle");
                }, lines::add);
        Thread t = new Thread(w::runOnce, "watch-once");
        t.start();
        t.join(20_000);
        boolean ended = !t.isAlive();
        w.stop();
        t.join(20_000);
        assertTrue(ended, "watch --once did not end in 20 s: " + lines.size() + " lines, " + lines.subList(0, Math.min(4, lines.size())));
        assertEquals(List.of("good.airlock.tar"), asked);
        assertFalse(lines.stream().anyMatch(l -> l.contains("changed while it was imported")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("ignoring bad")), lines.toString());
    }
}
