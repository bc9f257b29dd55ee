package dev.airlock.bundle;

import dev.airlock.report.ReportFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every file a bundle named on a command line may consist of, by name alone (nothing is read or
 * trusted): the name given, {@code NAME.tar}, its volume list {@code NAME.volumes.json} and the
 * list's {@code .asc}, every {@code NAME.tar.NNN} beside them, and the approver's report
 * {@code NAME.report.md} ({@link ReportFile#nameFor}), which bundle.json's signed hash covers. For a command that reads a bundle
 * and writes a file the user names, so that it can refuse to write over any part of what it reads
 * ({@link dev.airlock.io.OutputFiles#check}).
 */
public final class BundleFiles {
    private static final Pattern VOLUME = Pattern.compile("(.+\\.tar)\\.\\d{3,}");

    private BundleFiles() {
    }

    /** The names, {@code given} first; those that do not exist are listed too (a name the set is known by). */
    public static List<Path> of(Path given) {
        Set<Path> out = new LinkedHashSet<>();
        out.add(given);
        Path fileName = given.getFileName();
        if (fileName == null) {
            return List.copyOf(out);
        }
        String name = fileName.toString();
        Matcher m = VOLUME.matcher(name);
        String bundle = m.matches() ? m.group(1)
                : name.endsWith(VolumeList.SUFFIX) ? name.substring(0, name.length() - VolumeList.SUFFIX.length()) + ".tar"
                : name.endsWith(".tar") ? name : null;
        if (bundle == null) {
            return List.copyOf(out);
        }
        Path dir = given.toAbsolutePath().getParent();
        out.add(dir.resolve(bundle));
        out.add(dir.resolve(VolumeList.listName(bundle)));
        out.add(dir.resolve(VolumeList.listName(bundle) + ".asc"));
        out.add(dir.resolve(ReportFile.nameFor(bundle)));
        Pattern volumes = Pattern.compile(Pattern.quote(bundle) + "\\.\\d{3,}");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (volumes.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            // no directory to list: the bundle's own command reports it
        }
        return List.copyOf(out);
    }
}
