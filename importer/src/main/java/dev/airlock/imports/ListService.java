package dev.airlock.imports;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.copy.Repo;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.report.BundleContents;
import dev.airlock.report.ReportFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What a bundle holds, for an approver — read only once it is verified as {@code verify} verifies
 * it: signatures against the trust policy, the entry list, every blob's digest and size, and the
 * report next to it if bundle.json names one. Nothing is returned from a bundle that fails any of
 * these. No registry is touched. No CLI types in here.
 */
public final class ListService {
    private final TransferListener listener;

    public ListService(TransferListener listener) {
        this.listener = listener;
    }

    /**
     * A verified bundle's contents.
     *
     * @param digest   the sha256 of its bundle.json
     * @param report   what was found of its report next to it
     * @param trees    each image's tree (by source), for comparisons
     */
    public record Listing(Path bundle, Digest digest, BundleManifest manifest, BundleContents contents, ReportFile.Status report,
            Map<String, ImageTree> trees) {
    }

    public Listing list(Path file, TrustPolicy trust) {
        try (UntrustedBundle untrusted = BundleInput.open(file, trust)) {
            VerifiedBundle bundle = untrusted.verify(trust);
            BundleManifest m = bundle.manifest();
            bundle.checkEverything(listener);
            ReportFile.Status report = ReportFile.check(m, file);
            Map<String, ImageTree> trees = new HashMap<>();
            Map<Digest, Repo> repoOf = new HashMap<>();
            for (BundleManifest.Image image : m.images()) {
                Repo repo = new Repo(image.registry(), image.repository());
                ImageTree tree = SparseWalk.walk(bundle, repo, image);
                trees.put(image.source(), tree);
                tree.blobs().keySet().forEach(d -> repoOf.putIfAbsent(d, repo));
            }
            BundleContents contents = BundleContents.of(m, bundle.signers(), image -> trees.get(image.source()),
                    config -> read(bundle, repoOf.get(config.digest()), config), null);
            return new Listing(bundle.path(), bundle.digest(), m, contents, report, Map.copyOf(trees));
        }
    }

    /** A carried config's bytes, read through the bundle's verifier (already checked once above). */
    private static byte[] read(VerifiedBundle bundle, Repo repo, Descriptor config) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) config.size());
        try {
            bundle.blob(repo, config).writeTo((buf, offset) -> {
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                out.write(b, 0, b.length);
            });
        } catch (IOException e) {
            DigestMismatchException mismatch = DigestMismatchException.in(e);
            if (mismatch != null) {
                throw mismatch.toAirlock();
            }
            throw AirlockException.local(bundle.path() + ": cannot read config " + config.digest() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
