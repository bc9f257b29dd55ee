package dev.airlock.imports;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.copy.Repo;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.dockerarchive.DockerArchiveWriter;
import dev.airlock.oci.Platform;
import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.ImageReference;
import dev.airlock.oci.ImageTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a bundle into a {@code docker load} archive for a host that has only a Docker daemon. The
 * bundle is checked exactly as {@code verify} checks it (signatures, entry list, every blob's
 * digest) before the archive's temporary file is created; then {@link DockerArchiveWriter} writes
 * it. No registry, no ledger. No CLI types in here.
 */
public final class LoadService {
    private final TransferListener listener;

    public LoadService(TransferListener listener) {
        this.listener = listener;
    }

    /**
     * @param images the bundle's images to write (source references, any spelling); empty: all
     * @param platform of a multi-arch image, the one to write; null: the host's
     */
    public record Request(Path bundle, TrustPolicy trust, Path out, List<String> images, Platform platform) {
    }

    /** The bundle that was read and the archive that was written. */
    /** {@code selected}: the bundle's images written, in the order of {@code archive.images()}, one for one. */
    public record Result(BundleManifest manifest, Digest digest, List<String> signers, DockerArchiveWriter.Written archive,
            List<BundleManifest.Image> selected) {
    }

    public Result load(Request request) {
        try (UntrustedBundle untrusted = BundleInput.open(request.bundle(), request.trust())) {
            VerifiedBundle bundle = untrusted.verify(request.trust());
            BundleManifest m = bundle.manifest();
            refuseTheSignedReportAsOut(m, request);
            List<BundleManifest.Image> selected = select(m, request.images());

            Set<Digest> carried = new HashSet<>();
            m.blobs().forEach(b -> carried.add(Digest.parse(b.digest())));
            List<DockerArchiveWriter.Image> images = new ArrayList<>();
            Set<Digest> missing = new LinkedHashSet<>();
            for (BundleManifest.Image i : selected) {
                Repo repo = new Repo(i.registry(), i.repository());
                ImageTree tree = SparseWalk.walk(bundle, repo, i); // a sparse index: its carried platforms only
                tree.blobs().keySet().stream().filter(d -> !carried.contains(d)).forEach(missing::add);
                images.add(new DockerArchiveWriter.Image(repo, Digest.parse(i.digest()),
                        i.tag() == null ? List.of() : List.of(i.registry() + "/" + i.repository() + ":" + i.tag())));
            }
            if (!missing.isEmpty()) {
                throw AirlockException.chain(request.bundle() + " is a delta bundle: " + missing.size() + " blob(s) of the image(s) came in"
                        + " earlier bundles (e.g. " + missing.iterator().next() + "); a docker archive needs every layer: load from a"
                        + " full bundle (airlock-export bundle --full)");
            }
            DockerArchiveWriter.Plan plan = DockerArchiveWriter.plan(bundle, images, request.platform());

            // Every blob checked, as verify does, before the archive's first byte.
            bundle.checkEverything(listener);
            DockerArchiveWriter.Written written = plan.write(request.out(), listener);
            return new Result(m, bundle.digest(), bundle.signers(), written, selected);
        }
    }

    /**
     * The report the signed bundle.json names lies beside the bundle under its own name, which a
     * renamed bundle ({@code NAME.conflict-…}, a numbered copy in {@code done/}) no longer shares:
     * the command line's check could not know it. It is an input too.
     */
    private static void refuseTheSignedReportAsOut(BundleManifest m, Request request) {
        if (m.report() == null) {
            return;
        }
        Path report = request.bundle().toAbsolutePath().getParent().resolve(m.report().name());
        try {
            if (Files.exists(request.out()) && Files.isSameFile(report, request.out())) {
                throw AirlockException.usage("--docker-archive " + request.out() + " is the report " + report.getFileName()
                        + " that the signed bundle.json names for this bundle: an input, never overwritten; choose another OUT");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no report there: nothing to protect
        } catch (java.io.IOException e) {
            throw AirlockException.local("cannot compare " + request.out() + " with " + report + ": " + e.getMessage(), e);
        }
    }

    private static List<BundleManifest.Image> select(BundleManifest m, List<String> wanted) {
        if (wanted.isEmpty()) {
            return m.images();
        }
        List<BundleManifest.Image> out = new ArrayList<>();
        for (String w : wanted) {
            String normal = ImageReference.parse(w).toString();
            BundleManifest.Image found = m.images().stream()
                    .filter(i -> i.source().equals(w) || ImageReference.parse(i.source()).toString().equals(normal))
                    .findFirst().orElseThrow(() -> AirlockException.notFound("the bundle has no image " + w + "; it has: "
                            + String.join(", ", m.images().stream().map(BundleManifest.Image::source).toList())));
            if (!out.contains(found)) {
                out.add(found);
            }
        }
        return out;
    }
}
