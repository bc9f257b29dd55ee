package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import dev.airlock.testing.Tools;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract of {@link OutputFiles}, on real files: what it writes, replaces, creates and refuses. */
class OutputFilesTest {
    @TempDir
    Path tmp;

    private List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void write_replacesALinkToARegularFile_neverWritesThroughIt() throws Exception {
        Path elsewhere = tmp.resolve("elsewhere.txt");
        Files.writeString(elsewhere, "keep me");
        Path link = tmp.resolve("out.txt");
        Files.createSymbolicLink(link, elsewhere);
        OutputFiles.write("--out", link, OutputFiles.Parents.MUST_EXIST, "new".getBytes(), false);
        assertFalse(Files.isSymbolicLink(link), "the link itself is replaced");
        assertEquals("new", Files.readString(link));
        assertEquals("keep me", Files.readString(elsewhere), "the file the link pointed to is left alone");
    }

    @Test
    void parents_areCreatedOnlyWhenTheCommandSaysSo_andAFileOnTheWayIsNamed() throws Exception {
        Path deep = tmp.resolve("a/b/out.txt");
        AirlockException missing = assertThrows(AirlockException.class,
                () -> OutputFiles.write("--out", deep, OutputFiles.Parents.MUST_EXIST, new byte[1], false));
        assertEquals(AirlockException.Kind.USAGE, missing.kind());
        assertTrue(missing.getMessage().contains("directory " + tmp.resolve("a/b") + " does not exist"), missing.getMessage());
        assertFalse(Files.exists(tmp.resolve("a")));

        OutputFiles.write("--out", deep, OutputFiles.Parents.CREATE, new byte[1], false);
        assertEquals(1, Files.size(deep));

        Files.writeString(tmp.resolve("file"), "x");
        AirlockException under = assertThrows(AirlockException.class,
                () -> OutputFiles.check("--out", tmp.resolve("file/c/out.txt"), OutputFiles.Parents.CREATE, Map.of()));
        assertTrue(under.getMessage().contains(tmp.resolve("file") + " is not a directory"), under.getMessage());
    }

    @Test
    void partial_notCommitted_leavesNothing_andCommitRefusesWhatAppearedMeanwhile() throws Exception {
        Path target = tmp.resolve("out.tar");
        try (OutputFiles.Partial p = OutputFiles.create("--out", target, OutputFiles.Parents.MUST_EXIST)) {
            p.channel().write(ByteBuffer.wrap(new byte[10]));
        }
        assertEquals(List.of(), names(tmp), "no final name, no .partial");

        try (OutputFiles.Partial p = OutputFiles.create("--out", target, OutputFiles.Parents.MUST_EXIST)) {
            p.channel().write(ByteBuffer.wrap(new byte[10]));
            Tools.run("mkfifo", target.toString()).ok(); // appears between the check and the rename
            AirlockException e = assertThrows(AirlockException.class, p::commit);
            assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
        }
        assertEquals(List.of("out.tar"), names(tmp), "the FIFO stays, the partial is gone");
        assertTrue(Files.isDirectory(target) || !Files.isRegularFile(target));
    }

    @Test
    void check_refusesTheInputsByPath_evenWhenTheyDoNotExist() {
        Path name = tmp.resolve("set.tar");
        AirlockException e = assertThrows(AirlockException.class,
                () -> OutputFiles.check("--docker-archive", tmp.resolve("x/../set.tar"), OutputFiles.Parents.CREATE,
                        Map.of(name, "a file of the bundle being read")));
        assertTrue(e.getMessage().contains("a file of the bundle being read (" + name + ")"), e.getMessage());
    }
}
