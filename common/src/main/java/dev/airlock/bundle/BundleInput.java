package dev.airlock.bundle;

import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import dev.airlock.io.Trace;
import dev.airlock.io.VolumeChannel;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bundle as named on a command line: the single file {@code NAME.tar}, any of its volumes
 * {@code NAME.tar.NNN}, or the volume list {@code NAME.volumes.json}. For a volume set, before
 * a byte of the tar is read: the list's signature is checked against the trust policy, then every
 * volume's presence and size, that no extra volume lies beside them, and every volume's sha256 —
 * a missing, truncated, extra, swapped or damaged volume is named (kind MALFORMED_BUNDLE or
 * DIGEST_MISMATCH, exit 3). Then the volumes are read as one tar through a
 * {@link VolumeChannel}, never concatenated on disk, and the bundle.json found must be the one
 * the list names.
 */
public final class BundleInput {
    private static final Pattern VOLUME = Pattern.compile("(.+\\.tar)\\.(\\d{3,})");

    private BundleInput() {
    }

    /**
     * Opens {@code given}. With a {@code policy} (verify, import) a volume set is checked as the
     * class comment says; without one (inspect, which trusts nothing it shows) only that its
     * volumes are there with the listed sizes.
     */
    public static UntrustedBundle open(Path given, TrustPolicy policy) {
        return open(given, policy, true);
    }

    /**
     * As {@link #open(Path, TrustPolicy)}; with {@code refuseExtras} false, a volume beside a set
     * that its list does not name is not looked at: an inbox ({@code watch}, {@code serve}), where
     * anyone who can drop a file could otherwise veto a signed, intact set with an empty
     * {@code NAME.tar.999} (red-team pass K). Only the listed volumes are read, each checked
     * against the list's sha256 as always.
     */
    public static UntrustedBundle open(Path given, TrustPolicy policy, boolean refuseExtras) {
        Path list = listFor(given);
        return list == null ? UntrustedBundle.open(given) : openSet(list, policy, refuseExtras);
    }

    /** The volume list {@code given} stands for, or null for a single file. */
    static Path listFor(Path given) {
        Path fileName = given.getFileName();
        if (fileName == null) {
            return null;
        }
        String name = fileName.toString();
        if (name.endsWith(VolumeList.SUFFIX)) {
            return given;
        }
        Matcher m = VOLUME.matcher(name);
        if (m.matches() && !Files.isDirectory(given)) {
            Path list = given.resolveSibling(VolumeList.listName(m.group(1)));
            if (!Files.exists(list)) {
                throw AirlockException.malformed(given + " is volume " + m.group(2) + " of " + m.group(1) + ", but the volume list "
                        + list.getFileName() + " is not beside it: the list (and its .asc) names and signs every volume; copy them too");
            }
            return list;
        }
        if (name.endsWith(".tar") && !Files.exists(given)) {
            Path list = given.resolveSibling(VolumeList.listName(name));
            if (Files.exists(list)) {
                return list;
            }
        }
        return null;
    }

    private static UntrustedBundle openSet(Path listFile, TrustPolicy policy, boolean refuseExtras) {
        String listName = listFile.getFileName().toString();
        byte[] json = readSmall(listFile, BoundedFiles.VOLUME_LIST);
        Path ascFile = listFile.resolveSibling(listName + ".asc");
        if (policy != null) {
            byte[] asc = readSmall(ascFile, BoundedFiles.SIGNATURE);
            policy.verify(json, asc, listName, () -> carriedBy(listFile, json));
            Trace.mark("volumes: list signature checked");
        }
        VolumeList list = VolumeList.parse(json, listFile.toString());
        if (!listName.equals(VolumeList.listName(list.bundle()))) {
            throw AirlockException.malformed("the volume list " + listFile + " lists the volumes of " + list.bundle()
                    + ", whose list is named " + VolumeList.listName(list.bundle()) + ": a renamed list is not used");
        }
        Path dir = listFile.toAbsolutePath().getParent();
        List<Path> volumes = new ArrayList<>();
        int n = list.volumes().size();
        for (int i = 0; i < n; i++) {
            VolumeList.Volume v = list.volumes().get(i);
            Path p = dir.resolve(v.name());
            volumes.add(p);
            String which = "volume " + v.name() + " (" + (i + 1) + " of " + n + " in " + listName + ")";
            if (!Files.exists(p)) {
                throw AirlockException.malformed(which + " is missing from " + dir + "; copy it from the medium again");
            }
            if (!Files.isRegularFile(p)) {
                throw AirlockException.malformed(which + " is not a regular file");
            }
            long size;
            try {
                size = Files.size(p);
            } catch (IOException e) {
                throw AirlockException.local("cannot read " + p + ": " + e.getMessage(), e);
            }
            if (size != v.size()) {
                throw AirlockException.malformed(which + " is " + size + " bytes but the list says " + v.size()
                        + (size < v.size() ? ": it is truncated (a copy cut short?); copy it again" : ": it is longer than written (bytes added after it was written?); copy it again"));
            }
        }
        if (refuseExtras) {
            checkNoExtra(dir, list, listName);
        }
        if (policy != null) {
            checkDigests(list, volumes, listName);
            Trace.mark("volumes: every volume's sha256 checked");
        }
        UntrustedBundle.Expected expected = new UntrustedBundle.Expected(Digest.parse(list.bundleDigest()), "the volume list " + listFile);
        return UntrustedBundle.open(listFile, () -> VolumeChannel.open(volumes), UntrustedBundle.MAX_ENTRIES, expected);
    }

    /**
     * The certificates the set's bundle.json carries (the list is signed by the bundle's keys), read
     * only to name a signer of the list that is not in --trust; whatever cannot be read names no one.
     */
    private static dev.airlock.crypto.CarriedSigners carriedBy(Path listFile, byte[] untrustedList) {
        VolumeList list = VolumeList.parse(untrustedList, listFile.toString());
        Path dir = listFile.toAbsolutePath().getParent();
        List<Path> volumes = list.volumes().stream().map(v -> dir.resolve(v.name())).toList();
        try (UntrustedBundle bundle = UntrustedBundle.open(listFile, () -> VolumeChannel.open(volumes), UntrustedBundle.MAX_ENTRIES, null)) {
            return bundle.readUntrustedManifest(dev.airlock.crypto.CarriedSigners::fromJson);
        }
    }

    /** A volume of the same bundle that the list does not name: an extra, a leftover, or a sign the list is not this set's. */
    private static void checkNoExtra(Path dir, VolumeList list, String listName) {
        Pattern ours = Pattern.compile(Pattern.quote(list.bundle()) + "\\.\\d+");
        java.util.Set<String> named = new java.util.HashSet<>();
        list.volumes().forEach(v -> named.add(v.name()));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            List<String> extra = new ArrayList<>();
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (ours.matcher(name).matches() && !named.contains(name)) {
                    extra.add(name);
                }
            }
            if (!extra.isEmpty()) {
                java.util.Collections.sort(extra);
                throw AirlockException.malformed("volume " + extra.get(0) + (extra.size() > 1 ? " (and " + (extra.size() - 1) + " more)" : "")
                        + " in " + dir + " is not in " + listName + ", which lists " + list.volumes().size()
                        + " volumes: an extra volume; remove it, or find the list that belongs to it");
            }
        } catch (IOException e) {
            throw AirlockException.local("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Every volume's sha256, a few at a time; the first bad one in list order is named. */
    private static void checkDigests(VolumeList list, List<Path> volumes, String listName) {
        int n = volumes.size();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(n, Math.min(4, Runtime.getRuntime().availableProcessors()))),
                r -> {
                    Thread t = new Thread(r, "airlock-volume-check");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<String>> sums = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path p = volumes.get(i);
                long size = list.volumes().get(i).size(); // no further: one grown after the size check is not read to its end (W, R5)
                sums.add(pool.submit(() -> Digest.sha256OfAtMost(p, size).toString()));
            }
            Map<String, String> byDigest = new LinkedHashMap<>();
            list.volumes().forEach(v -> byDigest.putIfAbsent(v.digest(), v.name()));
            for (int i = 0; i < n; i++) {
                VolumeList.Volume v = list.volumes().get(i);
                String actual;
                try {
                    actual = sums.get(i).get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    throw AirlockException.local("cannot read volume " + volumes.get(i) + ": " + c.getMessage(), c);
                }
                if (actual.equals(v.digest())) {
                    continue;
                }
                String other = byDigest.get(actual);
                if (other != null) {
                    throw AirlockException.digestMismatch("volume " + v.name() + " holds what " + listName + " lists as " + other
                            + ": the volumes were renamed or put in the wrong order; nothing was read from them");
                }
                throw AirlockException.digestMismatch("volume " + v.name() + " (" + (i + 1) + " of " + n + ") does not match its sha256 in "
                        + listName + " (listed " + v.digest() + ", found " + actual + "): it is damaged; copy it again from the medium");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.local("interrupted while checking the volumes of " + listName, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The list or its signature, through {@link BoundedFiles}: a regular file, no link, bounded. */
    private static byte[] readSmall(Path p, BoundedFiles.Rule rule) {
        try {
            return BoundedFiles.read(p, rule);
        } catch (NoSuchFileException e) {
            if (rule == BoundedFiles.SIGNATURE) {
                throw AirlockException.untrusted(p + " is missing: the volume list is not signed; copy it too");
            }
            throw AirlockException.usage("bundle " + p + " does not exist");
        }
    }
}
