package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.receipt.Receipt;
import dev.airlock.report.BundleContents;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What differs between two verified sets of images: two bundles, two receipts, or one of each.
 * Bundles are verified as {@code verify} does (every byte), receipts as the exporter's
 * {@code receipt} command does (the signature of {@code FILE.asc} over {@code FILE}); nothing is
 * compared before both are. Images are matched by source reference. No CLI types in here.
 */
public final class DiffService {
    private final TransferListener listener;

    public DiffService(TransferListener listener) {
        this.listener = listener;
    }

    /**
     * One side of a comparison.
     *
     * @param kind         "bundle" or "receipt"
     * @param digest       the bundle's digest; for a receipt, the digest of the last bundle it shows applied
     * @param images       source reference to manifest digest, in order
     * @param blobs        every config and layer blob the side's images use (a bundle: carried or left to earlier
     *                     bundles) or holds in place (a receipt)
     * @param sizes        blob sizes where known (a bundle's manifests name them; a receipt has none)
     * @param imageBlobs   each image's blobs, for a bundle; empty for a receipt
     * @param carriedBlobs blobs a bundle carries (manifests included), or -1 for a receipt
     * @param carriedBytes their bytes, or -1 for a receipt
     * @param attached     each image's attachments as the bundle lists them, or null for a receipt (it records none)
     */
    public record Side(String kind, Path path, String channel, long sequence, String digest, Map<String, String> images,
            Set<String> blobs, Map<String, Long> sizes, Map<String, Set<String>> imageBlobs, int carriedBlobs, long carriedBytes,
            Map<String, List<BundleManifest.Attachment>> attached) {
    }

    /**
     * An image that is new or changed in NEW, with what of it OLD does not have.
     *
     * @param newBlobs blobs of the image that OLD's images did not use (or OLD's receipt did not show in place),
     *                 or -1 when NEW is a receipt (it records no blobs per image)
     * @param newBytes their bytes, or -1 when NEW is a receipt (it records no sizes)
     * @param attached what NEW lists as attached to the image, or null when NEW is a receipt or the image is removed
     * @param attachments what of that is new and what is gone against OLD, or null when either side is a receipt
     */
    public record ImageChange(BundleContents.Change change, int newBlobs, long newBytes, List<BundleManifest.Attachment> attached,
            AttachmentDiff attachments) {
    }

    /**
     * @param newBlobs blobs NEW uses that OLD did not have, and their bytes (-1 when NEW is a receipt)
     */
    public record Diff(Side older, Side newer, List<ImageChange> images, int newBlobs, long newBytes) {
        public List<ImageChange> only(String change) {
            return images.stream().filter(i -> i.change().change().equals(change)).toList();
        }
    }

    public Diff diff(Path older, Path newer, TrustPolicy trust) {
        Side a = read(older, trust);
        Side b = read(newer, trust);
        List<ImageChange> out = new ArrayList<>();
        for (Map.Entry<String, String> e : b.images().entrySet()) {
            String before = a.images().get(e.getKey());
            String change = before == null ? "added" : before.equals(e.getValue()) ? "unchanged" : "changed";
            Set<String> fresh = new HashSet<>(b.imageBlobs().getOrDefault(e.getKey(), Set.of()));
            fresh.removeAll(a.blobs());
            boolean sized = b.kind().equals("bundle");
            out.add(new ImageChange(new BundleContents.Change(e.getKey(), change, before, e.getValue()), sized ? fresh.size() : -1,
                    sized ? bytes(fresh, b) : -1, b.attached() == null ? null : b.attached().getOrDefault(e.getKey(), List.of()),
                    AttachmentDiff.of(a.attached(), b.attached(), e.getKey())));
        }
        for (Map.Entry<String, String> e : a.images().entrySet()) {
            if (!b.images().containsKey(e.getKey())) {
                out.add(new ImageChange(new BundleContents.Change(e.getKey(), "removed", e.getValue(), null), 0, 0, null,
                        AttachmentDiff.of(a.attached(), b.attached(), e.getKey())));
            }
        }
        Set<String> fresh = new HashSet<>(b.blobs());
        fresh.removeAll(a.blobs());
        return new Diff(a, b, out, fresh.size(), b.kind().equals("receipt") ? -1 : bytes(fresh, b));
    }

    private static long bytes(Set<String> digests, Side side) {
        return digests.stream().mapToLong(d -> side.sizes().getOrDefault(d, 0L)).sum();
    }

    /** A bundle (by its name: .tar, a volume, a volume list) or else a receipt (a JSON document with its FILE.asc). */
    private Side read(Path file, TrustPolicy trust) {
        return isReceipt(file) ? receipt(file, trust) : bundle(file, trust);
    }

    static boolean isReceipt(Path file) {
        String name = String.valueOf(file.getFileName());
        if (name.endsWith(".tar") || name.matches(".*\\.tar\\.\\d{3,}") || name.endsWith(VolumeList.SUFFIX)) {
            return false;
        }
        if (!Files.isRegularFile(file)) {
            return false; // read as a bundle, which names what it is instead (a FIFO would block the peek below)
        }
        try (InputStream in = Files.newInputStream(file)) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
            return c == '{';
        } catch (IOException e) {
            throw AirlockException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    private Side bundle(Path file, TrustPolicy trust) {
        ListService.Listing l = new ListService(listener).list(file, trust);
        Map<String, String> images = new LinkedHashMap<>();
        Set<String> blobs = new HashSet<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        Map<String, Set<String>> imageBlobs = new LinkedHashMap<>();
        Map<String, List<BundleManifest.Attachment>> attached = new LinkedHashMap<>();
        l.manifest().images().forEach(i -> images.put(i.source(), i.digest()));
        l.manifest().images().forEach(i -> attached.put(i.source(), i.attached()));
        for (Map.Entry<String, ImageTree> e : l.trees().entrySet()) {
            Set<String> mine = new HashSet<>();
            for (Descriptor d : e.getValue().blobs().values()) {
                mine.add(d.digest().toString());
                sizes.put(d.digest().toString(), d.size());
            }
            blobs.addAll(mine);
            imageBlobs.put(e.getKey(), mine);
        }
        return new Side("bundle", file, l.manifest().channel(), l.manifest().sequence(), l.digest().toString(), images, blobs, sizes,
                imageBlobs, l.contents().carriedBlobs(), l.contents().carriedBytes(), attached);
    }

    private static Side receipt(Path file, TrustPolicy trust) {
        Receipt r = Receipt.readVerified(file, trust);
        Map<String, String> images = new LinkedHashMap<>();
        for (Receipt.Image i : r.images()) {
            if (i.source() == null || i.digest() == null) {
                throw AirlockException.malformed("receipt " + file + " lists an image without a source or digest");
            }
            images.put(i.source(), i.digest());
        }
        return new Side("receipt", file, r.channel(), r.sequence(), r.digest(), images, Set.copyOf(r.blobs()), Map.of(), Map.of(), -1, -1,
                null);
    }
}
