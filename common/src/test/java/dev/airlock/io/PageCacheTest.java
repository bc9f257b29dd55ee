package dev.airlock.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.testing.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PageCache#drop} really empties the page cache for the range it is given, and only that
 * range, as util-linux's {@code fincore} sees it; on a JVM without the foreign-function API it
 * says so ({@code available()} false) and ReadBack keeps to {@code O_DIRECT}. The drop runs in a
 * JDK 22 or later (the launcher's choice where one is installed), in its own process when the
 * tests run on an older one.
 */
class PageCacheTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /** In the JDK 22+ process: {@code FILE OFFSET LENGTH}; prints whether the drop was asked. */
    public static void main(String[] args) {
        System.out.print(PageCache.drop(Path.of(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2])));
    }

    @Test
    void drop_emptiesThePageCacheForTheRangeOnly_asFincoreSeesIt() throws Exception {
        assumeTrue(Tools.has("fincore"), "fincore (util-linux) is needed to see what the page cache holds");
        Path jdk = PageCache.available() ? Path.of(System.getProperty("java.home"), "bin", "java") : newerJava();
        assumeTrue(jdk != null, "a JDK 22 or later (foreign-function API, for posix_fadvise) is needed: none in java.home or /usr/lib/jvm");

        Path f = tmp.resolve("written");
        byte[] bytes = new byte[8 * MIB];
        new Random(1).nextBytes(bytes);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false); // clean pages: the only ones the kernel drops
        }
        assertEquals(8L * MIB, resident(f), "written and still cached");

        Tools.Result r = Tools.run(List.of(jdk.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PageCacheTest.class.getName(), f.toString(), String.valueOf(2 * MIB),
                String.valueOf(4 * MIB)), Map.of(), null).ok();
        assertEquals("true", r.stdout(), r.stderr());
        assertEquals(4L * MIB, resident(f), "bytes 2-6 MiB dropped, the rest still cached");
        assertEquals("", r.stderr(), "no warning about native access");
    }

    @Test
    void onAJvmWithoutTheForeignFunctionApi_dropSaysItCannot() {
        assumeTrue(Runtime.version().feature() < 22, "this JVM has the foreign-function API");
        assertEquals(false, PageCache.available());
        assertEquals(false, PageCache.drop(tmp, 0, 1));
    }

    private static long resident(Path f) throws Exception {
        String out = Tools.run("fincore", "--bytes", "--noheadings", "--output", "RES", f.toString()).ok().stdout().trim();
        return Long.parseLong(out);
    }

    /** The newest JDK 22 or later under /usr/lib/jvm, as the launchers pick one. */
    private static Path newerJava() throws IOException {
        Path best = null;
        int bestVersion = 21;
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (DirectoryStream<Path> homes = Files.newDirectoryStream(jvms)) {
            for (Path home : homes) {
                Path release = home.resolve("release");
                if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isRegularFile(release)) {
                    continue;
                }
                for (String line : Files.readAllLines(release)) {
                    if (line.startsWith("JAVA_VERSION=\"")) {
                        String v = line.substring("JAVA_VERSION=\"".length()).split("[^0-9]", 2)[0];
                        if (!v.isEmpty() && Integer.parseInt(v) > bestVersion) {
                            bestVersion = Integer.parseInt(v);
                            best = home.resolve("bin/java");
                        }
                    }
                }
            }
        }
        return best;
    }
}
