package dev.airlock.bundle;

import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ChannelSliceInputStream;
import dev.airlock.tar.TarHeaderGuard;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A bundle file opened but not yet trusted. Only the tar headers and the first two entries
 * (bundle.json and its signatures, both size-capped) are read before {@link #verify}; nothing is
 * ever extracted by name. {@link #verify} checks the signatures and then that the tar holds
 * exactly the entries bundle.json declares, in order, with the declared sizes.
 */
public final class UntrustedBundle implements Closeable {
    private static final long MAX_MANIFEST = 64L << 20;
    private static final long MAX_SIGNATURE = 1L << 20;
    /** More entries than any real bundle holds; bounds the memory a hostile tar can make us spend on headers. */
    static final int MAX_ENTRIES = 200_000;
    private static final Set<String> ALLOWED_DIRECTORIES = Set.of("airlock/", "blobs/", "blobs/sha256/", "blobs/sha512/");

    private final Path path;
    private final FileChannel channel;
    // Handed over once verified (set to null): the verified bundle keeps what it needs, and a
    // catalog's bundle.json and entry list were some 1.5 KB per image for the whole import (issue 21).
    private List<EntryPlace> files;
    private byte[] untrustedManifest;
    private byte[] untrustedSignature;
    private final Expected expected;

    /** Opens the channel a bundle is read through: its file, or its volumes seen as one ({@link dev.airlock.io.VolumeChannel}). */
    @FunctionalInterface
    interface Opener {
        FileChannel open() throws IOException;
    }

    /** The bundle digest a signed volume list names: the bundle.json found must have it. */
    record Expected(Digest digest, String from) {
    }

    private UntrustedBundle(Path path, FileChannel channel, List<EntryPlace> files, byte[] manifest, byte[] signature,
            Expected expected) {
        this.path = path;
        this.channel = channel;
        this.files = files;
        this.untrustedManifest = manifest;
        this.untrustedSignature = signature;
        this.expected = expected;
    }

    /** A single-file bundle. For a path that may also be a volume or a volume list, see {@link BundleInput#open}. */
    public static UntrustedBundle open(Path path) {
        return open(path, MAX_ENTRIES);
    }

    /** {@link #open(Path)} with another entry limit (tests). */
    static UntrustedBundle open(Path path, int maxEntries) {
        if (!Files.isRegularFile(path)) {
            throw AirlockException.usage("bundle " + path + " does not exist or is not a file");
        }
        return open(path, () -> dev.airlock.io.UntrustedOpen.read(path), maxEntries, null); // never waits in a FIFO swapped in (V3)
    }

    /**
     * Reads the headers and the first two entries through channels from {@code opener}; {@code path}
     * names the bundle in messages.
     */
    static UntrustedBundle open(Path path, Opener opener, int maxEntries, Expected expected) {
        // Commons Compress's entries (and its TarFile) are gone once this line is done, before bundle.json is read (EntryPlace).
        List<EntryPlace> files = places(path, list(path, opener, maxEntries));
        if (files.size() < 2 || !files.get(0).name().equals(BundleNames.MANIFEST)
                || !files.get(1).name().equals(BundleNames.SIGNATURE)) {
            throw AirlockException.malformed(path + " is not an airlock bundle: it must start with "
                    + BundleNames.MANIFEST + " and " + BundleNames.SIGNATURE);
        }
        FileChannel channel;
        try {
            channel = opener.open();
        } catch (IOException e) {
            throw AirlockException.local("cannot open bundle " + path + ": " + e.getMessage(), e);
        }
        try {
            byte[] manifest = readSmall(channel, files.get(0), MAX_MANIFEST, path);
            byte[] signature = readSmall(channel, files.get(1), MAX_SIGNATURE, path);
            return new UntrustedBundle(path, channel, files, manifest, signature, expected);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Every entry's header, read by Commons Compress after the guard's check; refused as the open's contract says. */
    private static List<TarArchiveEntry> list(Path path, Opener opener, int maxEntries) {
        try (FileChannel headers = opener.open()) {
            // Before TarFile holds a huge long name or PAX header in memory; and TarFile reads only the headers the check read.
            dev.airlock.tar.HeaderRecords walked = TarHeaderGuard.check(headers, maxEntries, path.toString());
            try (TarFile tar = new TarFile(new ReadLimitedChannel(walked.channel(headers), 4L * maxEntries, maxEntries), 10240, 512, null,
                    false)) {
                return tar.getEntries();
            } catch (IOException | RuntimeException e) {
                if (e instanceof IOException io && !(e instanceof java.io.EOFException) && isLocal(io)) {
                    throw AirlockException.local("cannot read bundle " + path + ": " + e.getMessage(), e);
                }
                throw AirlockException.malformed(path + " is not a readable tar archive: " + e.getMessage() + where(headers, e));
            }
        } catch (AirlockException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("bundle " + path + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw AirlockException.local("cannot read bundle " + path + ": permission denied", e);
        } catch (IOException | RuntimeException e) {
            throw AirlockException.malformed(path + " is not a readable tar archive: " + e.getMessage());
        }
    }

    /** Checks each entry's header, and keeps where the regular files lie. */
    private static List<EntryPlace> places(Path path, List<TarArchiveEntry> entries) {
        List<EntryPlace> files = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (TarArchiveEntry e : entries) {
            String name = e.getName();
            if (!e.isCheckSumOK()) {
                // Not needed for safety (every byte of content is checked by digest), but a header
                // that fails its own checksum is damage, and the medium should be named at once.
                throw AirlockException.malformed(path + ": the tar header of entry '" + name + "' (before byte " + e.getDataOffset()
                        + ") fails its checksum: the bundle is damaged; get a fresh copy from the sender");
            }
            checkName(path, name);
            if (!seen.add(name)) {
                throw AirlockException.malformed(path + ": entry '" + name + "' appears twice");
            }
            byte flag = e.getLinkFlag();
            if (flag == TarConstants.LF_DIR) {
                if (!ALLOWED_DIRECTORIES.contains(name)) {
                    throw AirlockException.malformed(path + ": unexpected directory entry '" + name + "'");
                }
                continue;
            }
            if ((flag != TarConstants.LF_NORMAL && flag != TarConstants.LF_OLDNORM) || e.isSparse()) {
                throw AirlockException.malformed(path + ": entry '" + name + "' is not a regular file (type '"
                        + (char) flag + "'); links, devices and special files are refused");
            }
            files.add(EntryPlace.of(e));
        }
        return files;
    }

    /**
     * Where a header could not be read. Only header records are read (data is skipped by seeking),
     * so after a bad header the channel stands just past it; a truncated file is named by its size.
     */
    private static String where(FileChannel headers, Exception e) {
        try {
            if (!headers.isOpen() || String.valueOf(e.getMessage()).contains("the tar header at byte")) {
                return ""; // the message names the header already (HeaderRecords)
            }
            if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("truncated")) {
                return " (the file ends at byte " + headers.size() + ", inside the archive)";
            }
            return headers.position() >= 512 ? " (the tar header at byte " + (headers.position() - 512) + ")" : "";
        } catch (IOException ignored) {
            return "";
        }
    }

    /** A read error of the file itself (an I/O error of the medium), not a malformed archive. */
    private static boolean isLocal(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Input/output error") || m.contains("Permission denied") || e instanceof java.nio.file.AccessDeniedException;
    }

    private static void checkName(Path path, String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.indexOf('\0') >= 0
                || List.of(name.split("/")).contains("..")) {
            throw AirlockException.malformed(path + ": entry name '" + name + "' is absolute or escapes the bundle");
        }
    }

    private static byte[] readSmall(FileChannel ch, EntryPlace e, long max, Path path) {
        if (e.size() > max) {
            throw AirlockException.malformed(path + ": " + e.name() + " is " + e.size() + " bytes, over the limit of " + max);
        }
        try (InputStream in = new ChannelSliceInputStream(ch, e.dataOffset(), e.size())) {
            // Read in place at its size: readNBytes(int) gathers chunks and then copies them, twice the memory.
            byte[] b = new byte[(int) e.size()];
            if (in.readNBytes(b, 0, b.length) != b.length) {
                throw AirlockException.malformed(path + ": " + e.name() + " is cut short");
            }
            return b;
        } catch (IOException ex) {
            throw AirlockException.malformed(path + ": cannot read " + e.name() + ": " + ex.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** bundle.json as found, not yet verified: only for display (inspect) and for verification. */
    public byte[] untrustedManifestBytes() {
        return unverified().clone();
    }

    /** bundle.json as found; refused once {@link #verify} handed it over. */
    private byte[] unverified() {
        if (untrustedManifest == null) {
            throw new IllegalStateException("bundle " + path + " was verified: read the verified bundle");
        }
        return untrustedManifest;
    }

    /**
     * Hands bundle.json as found, not yet verified, to {@code reader} without a copy (it may be
     * 64 MiB): the reader must not change it, nor keep it.
     */
    public <T> T readUntrustedManifest(java.util.function.Function<byte[], T> reader) {
        return reader.apply(unverified());
    }

    /**
     * Checks the signatures against {@code policy}, then the entry list against the now-trusted
     * bundle.json. Blob contents are verified later, as they stream. Once it succeeds, bundle.json
     * and the entry list belong to the verified bundle: this one no longer gives them out.
     */
    public VerifiedBundle verify(TrustPolicy policy) {
        byte[] untrustedManifest = unverified();
        // An unknown signer is named by the certificate bundle.json carries for it, read only then (untrusted, naming only).
        List<String> signers = policy.verify(untrustedManifest, untrustedSignature, BundleNames.MANIFEST,
                () -> dev.airlock.crypto.CarriedSigners.fromJson(untrustedManifest));
        BundleManifest manifest = BundleManifest.parse(untrustedManifest);
        Digest digest = Digest.sha256Of(untrustedManifest);
        if (expected != null && !expected.digest().equals(digest)) {
            throw AirlockException.malformed(expected.from() + " names the bundle " + expected.digest() + ", but its volumes hold the bundle "
                    + digest + ": the list and the volumes belong to different bundles");
        }
        List<String> expected = new ArrayList<>(List.of(BundleNames.OCI_LAYOUT, BundleNames.INDEX));
        List<Long> sizes = new ArrayList<>(List.of(manifest.layout().ociLayout().size(), manifest.layout().indexJson().size()));
        for (BundleManifest.Blob b : manifest.blobs()) {
            expected.add(BundleNames.blobPath(Digest.parse(b.digest())));
            sizes.add(b.size());
        }
        List<EntryPlace> rest = files.subList(2, files.size());
        for (int i = 0; i < Math.max(expected.size(), rest.size()); i++) {
            if (i >= rest.size()) {
                throw AirlockException.malformed(path + " is incomplete: entry '" + expected.get(i)
                        + "' declared in bundle.json is missing (" + (expected.size() - rest.size()) + " missing in all)");
            }
            String name = rest.get(i).name();
            if (i >= expected.size()) {
                throw AirlockException.malformed(path + ": entry '" + name + "' is not listed in bundle.json");
            }
            if (!name.equals(expected.get(i))) {
                throw AirlockException.malformed(path + ": entry " + (i + 3) + " is '" + name + "' but bundle.json lists '"
                        + expected.get(i) + "' there");
            }
            if (rest.get(i).size() != sizes.get(i)) {
                throw AirlockException.malformed(path + ": entry '" + name + "' is " + rest.get(i).size()
                        + " bytes but bundle.json declares " + sizes.get(i));
            }
        }
        long end;
        try {
            EntryPlace last = files.get(files.size() - 1);
            end = last.dataOffset() + last.size();
            if (end > channel.size()) {
                throw AirlockException.malformed(path + " is truncated: it ends inside entry '" + last.name() + "'");
            }
        } catch (IOException e) {
            throw AirlockException.malformed(path + ": " + e.getMessage());
        }
        VerifiedBundle verified = new VerifiedBundle(path, channel, manifest, digest, signers, rest);
        this.files = null;
        this.untrustedManifest = null;
        this.untrustedSignature = null;
        return verified;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    /**
     * Lets a tar reader make only so many reads. Commons Compress reads every header eagerly and
     * seeks over entry data, so the count of reads bounds the headers — and the memory — a
     * hostile archive can make us hold before its signature is checked.
     */
    private static final class ReadLimitedChannel implements java.nio.channels.SeekableByteChannel {
        private final java.nio.channels.SeekableByteChannel delegate;
        private final int maxEntries;
        private long readsLeft;

        ReadLimitedChannel(java.nio.channels.SeekableByteChannel delegate, long maxReads, int maxEntries) {
            this.delegate = delegate;
            this.readsLeft = maxReads;
            this.maxEntries = maxEntries;
        }

        @Override
        public int read(java.nio.ByteBuffer dst) throws IOException {
            if (--readsLeft < 0) {
                throw new IOException("it holds more than " + maxEntries + " entries; not an airlock bundle");
            }
            return delegate.read(dst);
        }

        @Override
        public int write(java.nio.ByteBuffer src) throws IOException {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public java.nio.channels.SeekableByteChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public java.nio.channels.SeekableByteChannel truncate(long size) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
