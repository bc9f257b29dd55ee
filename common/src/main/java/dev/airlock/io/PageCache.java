package dev.airlock.io;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code posix_fadvise(POSIX_FADV_DONTNEED)} on a range of a file: the kernel drops the range's
 * clean pages from the page cache, so that the next buffered read of it comes from the device.
 * Java has no call for it; the foreign-function API (final in JDK 22) reaches libc without native
 * code of ours. The jars target Java 17, so the API is looked up by reflection: on JDK 17 to 21
 * {@link #available()} is false and callers read with {@code O_DIRECT} instead.
 *
 * <p>Only clean, unmapped pages are dropped: callers fdatasync the range first, and nothing maps a
 * bundle being written. The executable jar's manifest says {@code Enable-Native-Access:
 * ALL-UNNAMED}, so the JVM does not warn about the restricted call.
 */
public final class PageCache {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000; // Linux
    private static final int POSIX_FADV_DONTNEED = 4; // Linux

    private static final MethodHandle OPEN;
    private static final MethodHandle FADVISE;
    private static final MethodHandle CLOSE;
    private static final Method OF_CONFINED;
    private static final Method ALLOCATE_FROM;

    static {
        MethodHandle open = null;
        MethodHandle fadvise = null;
        MethodHandle close = null;
        Method ofConfined = null;
        Method allocateFrom = null;
        if (System.getProperty("os.name", "").startsWith("Linux") && !Boolean.getBoolean("airlock.noFadvise")) {
            try {
                Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
                Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueC = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
                Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
                Object linker = linkerC.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
                Object i32 = valueC.getField("JAVA_INT").get(null);
                Object i64 = valueC.getField("JAVA_LONG").get(null);
                Object address = valueC.getField("ADDRESS").get(null);
                Method find = lookupC.getMethod("find", String.class);
                Method of = descC.getMethod("of", layoutC, layoutC.arrayType());
                Method downcall = linkerC.getMethod("downcallHandle", segmentC, descC, optionC.arrayType());
                Object noOptions = Array.newInstance(optionC, 0);
                Object[][] sigs = {{"open", i32, address, i32}, {"posix_fadvise", i32, i32, i64, i64, i32}, {"close", i32, i32}};
                MethodHandle[] handles = new MethodHandle[sigs.length];
                for (int s = 0; s < sigs.length; s++) {
                    Object symbol = ((Optional<?>) find.invoke(lookup, sigs[s][0])).orElseThrow();
                    Object args = Array.newInstance(layoutC, sigs[s].length - 2);
                    for (int i = 2; i < sigs[s].length; i++) {
                        Array.set(args, i - 2, sigs[s][i]);
                    }
                    handles[s] = (MethodHandle) downcall.invoke(linker, symbol, of.invoke(null, sigs[s][1], args), noOptions);
                }
                ofConfined = Class.forName("java.lang.foreign.Arena").getMethod("ofConfined");
                allocateFrom = Class.forName("java.lang.foreign.SegmentAllocator").getMethod("allocateFrom", String.class);
                open = handles[0];
                fadvise = handles[1];
                close = handles[2];
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                open = null; // JDK 17 to 21, or no such symbol: callers use O_DIRECT
            }
        }
        OPEN = open;
        FADVISE = fadvise;
        CLOSE = close;
        OF_CONFINED = ofConfined;
        ALLOCATE_FROM = allocateFrom;
    }

    private PageCache() {
    }

    /** Whether {@link #drop} can work on this JVM. */
    public static boolean available() {
        return OPEN != null;
    }

    /** Drops the pages of {@code [offset, offset + length)} of {@code file} from the page cache; false if that could not be asked. */
    public static boolean drop(Path file, long offset, long length) {
        if (OPEN == null) {
            return false;
        }
        try (AutoCloseable arena = (AutoCloseable) OF_CONFINED.invoke(null)) {
            Object path = ALLOCATE_FROM.invoke(arena, file.toAbsolutePath().toString());
            int fd = (int) OPEN.invoke(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                return false;
            }
            try {
                return (int) FADVISE.invoke(fd, offset, length, POSIX_FADV_DONTNEED) == 0;
            } finally {
                int ignored = (int) CLOSE.invoke(fd);
            }
        } catch (Throwable e) {
            return false;
        }
    }
}
