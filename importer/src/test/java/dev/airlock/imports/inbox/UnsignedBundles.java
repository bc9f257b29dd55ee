package dev.airlock.imports.inbox;

import dev.airlock.bundle.BundleNames;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Bundle files as a stranger can send them: a bundle.json that says whatever it likes (channel,
 * sequence, parent) and a signature that is not one. The watcher reads the order from bundle.json
 * before any signature is checked, so these are what the inbox tests attack it with.
 */
final class UnsignedBundles {
    private UnsignedBundles() {
    }

    /** Writes {@code manifest} as {@code to}'s bundle.json, with {@code mtime}, under a hidden name first, then renamed in. */
    static Path write(Path to, String manifest, FileTime mtime) throws Exception {
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        byte[] sig = "not a signature".getBytes(StandardCharsets.UTF_8);
        Path part = to.resolveSibling("." + to.getFileName() + ".part");
        try (OutputStream o = Files.newOutputStream(part); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            for (Object[] e : new Object[][] {{BundleNames.MANIFEST, m}, {BundleNames.SIGNATURE, sig}}) {
                TarArchiveEntry entry = new TarArchiveEntry((String) e[0]);
                entry.setSize(((byte[]) e[1]).length);
                t.putArchiveEntry(entry);
                t.write((byte[]) e[1]);
                t.closeArchiveEntry();
            }
        }
        Files.setLastModifiedTime(part, mtime);
        return Files.move(part, to);
    }
}
