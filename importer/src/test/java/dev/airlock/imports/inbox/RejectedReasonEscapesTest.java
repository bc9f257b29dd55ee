package dev.airlock.imports.inbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.TargetNaming;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass I (issue 17, M9: names escaped one way). Pass H made watch's log lines and the CLI's
 * one error line printable; the {@code rejected/NAME.reason} the watcher writes holds the same
 * refusal with only its line breaks folded, so a sender's tar entry named {@code x<ESC>[2J…}
 * reaches the admin's terminal raw on {@code cat rejected/*.reason} (the README's way to see why).
 */
class RejectedReasonEscapesTest {
    @TempDir
    Path root;

    @Test
    void reasonOfARejectedBundle_namingAHostileEntry_holdsNoControlCharacters() throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path bundle = inbox.resolve("b.tar");
        try (OutputStream o = Files.newOutputStream(bundle); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e = new TarArchiveEntry("x\u001b[2J\u001b[1Aevil\u202e", TarArchiveEntry.LF_SYMLINK);
            e.setLinkName("/etc/passwd");
            t.putArchiveEntry(e);
            t.closeArchiveEntry();
        }
        Files.setLastModifiedTime(bundle, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        List<String> log = new ArrayList<>();
        ImportRequest template = new ImportRequest(null, null, new TargetNaming("127.0.0.1:5000", List.of()), root.resolve("state"), 1, false);
        // The import of an unsigned tar fails where UntrustedBundle opens it: the real refusal, and nothing is pushed.
        InboxWatcher w = new InboxWatcher(inbox, new WatchOptions(Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1)),
                template, r -> {
                    UntrustedBundle.open(r.bundle()).close();
                    throw new AssertionError("the hostile tar was opened");
                }, log::add);
        w.runOnce();
        Path reason = inbox.resolve("rejected").resolve("b.tar.reason");
        assertTrue(Files.exists(reason), "rejected: " + log);
        String text = Files.readString(reason, StandardCharsets.UTF_8);
        assertTrue(text.contains("evil"), text);
        assertEquals(-1, text.chars().filter(c -> c != '\n' && (Character.isISOControl(c) || c == 0x202e)).findFirst().orElse(-1),
                "the reason holds control characters: " + text.replace("\u001b", "<ESC>"));
        assertFalse(log.stream().anyMatch(l -> l.contains("\u001b")), log.toString());
    }
}
