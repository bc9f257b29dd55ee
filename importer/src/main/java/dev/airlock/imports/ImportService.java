package dev.airlock.imports;

import dev.airlock.bundle.BundleInput;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.BundleNames;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.copy.Attached;
import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.CopyPlan;
import dev.airlock.copy.CopyReport;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ChannelLock;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistrySink;
import dev.airlock.report.ReportFile;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Verifies a bundle and pushes its images into the target registry, in the order that keeps the
 * registry consistent: signatures and entry list first (nothing touches the registry before);
 * then every blob, each verified as it streams (a bad blob is never committed); then manifests,
 * children before parents; then tags, last. A failure at any point leaves no tag on a partial
 * image, and a rerun skips what is already there.
 */
public final class ImportService {
    private final java.util.function.Function<ImportRequest, ? extends ImageSink> sink;
    private final TransferListener listener;

    public ImportService(RegistryClient registry, TransferListener listener) {
        this(() -> registry, listener);
    }

    /** @param client the registry client, asked for only after the bundle's signatures checked out */
    public ImportService(Supplier<RegistryClient> client, TransferListener listener) {
        // Two imports on this host that update one referrers index take turns through its lock file.
        this(listener, request -> new RegistrySink(client.get(), request.stateDir().resolve("locks")));
    }

    private ImportService(TransferListener listener, java.util.function.Function<ImportRequest, ? extends ImageSink> sink) {
        this.sink = sink;
        this.listener = listener;
    }

    /** Imports into any sink (tests: an in-memory one), asked for only after the bundle's signatures checked out. */
    public static ImportService into(Supplier<? extends ImageSink> sink, TransferListener listener) {
        return new ImportService(listener, request -> sink.get());
    }

    /** Verifies signatures, entries and every blob's digest, touching no registry. */
    public VerifyReport verify(Path file, TrustPolicy trust) {
        try (UntrustedBundle untrusted = BundleInput.open(file, trust)) {
            VerifiedBundle bundle = untrusted.verify(trust);
            bundle.checkEverything(listener);
            ReportFile.Status report = ReportFile.check(bundle.manifest(), file);
            return new VerifyReport(bundle.manifest(), bundle.digest(), bundle.signers(), report);
        }
    }

    /** The import does not use oci-layout and index.json, but a bundle is taken whole or not at all. */
    private static void readLayout(VerifiedBundle bundle) {
        bundle.readLayoutFile(BundleNames.OCI_LAYOUT);
        bundle.readLayoutFile(BundleNames.INDEX);
    }

    /** Result of {@link #verify}. */
    public record VerifyReport(BundleManifest manifest, Digest digest, List<String> signers, ReportFile.Status report) {
    }

    public ImportResult importBundle(ImportRequest request) {
        Trace.mark("import: start");
        boolean refuseExtras = request.reportBeside() == ImportRequest.ReportBeside.MUST_MATCH; // an inbox: a stray volume is no veto either
        try (UntrustedBundle untrusted = BundleInput.open(request.bundle(), request.trust(), refuseExtras)) {
            Trace.mark("import: opened");
            VerifiedBundle bundle = untrusted.verify(request.trust());
            Trace.mark("import: verified");
            try {
                readLayout(bundle);
                if (request.reportBeside() == ImportRequest.ReportBeside.MUST_MATCH) {
                    ReportFile.check(bundle.manifest(), request.bundle()); // a report altered since signing refuses the bundle
                }
                return apply(bundle, request);
            } catch (AirlockException e) {
                if (!e.isVerification()) {
                    throw e;
                }
                throw new AirlockException(e.kind(), e.getMessage() + " — refused: no manifest or tag was written;"
                        + " the bundle is damaged or was altered, get a fresh copy from the sender", e);
            }
        }
    }

    private ImportResult apply(VerifiedBundle bundle, ImportRequest request) {
        BundleManifest m = bundle.manifest();
        try (ChannelLock lock = ChannelLock.acquire(request.stateDir(), m.channel(), "airlock-import")) {
            String presetNotApplied = GitlabSecureTarget.notApplied(m, request.naming());
            if (presetNotApplied != null) {
                request.warnings().accept(presetNotApplied); // before the chain check, whose refusal it may explain
            }
            ImportLedger ledger = ImportLedger.load(request.stateDir(), m.channel(), request.naming());
            if (ChainCheck.check(ledger, m, bundle.digest(), request.reapply()) == ChainCheck.Decision.ALREADY_APPLIED) {
                return new ImportResult(m, bundle.digest(), bundle.signers(), List.of(), 0, 0, 0, 0, 0, true);
            }
            return applyInOrder(bundle, request, ledger);
        }
    }

    /** A {@code --map} rule that places no image: a warning, or with {@code --strict-map} a refusal before any push. */
    private static void checkMappings(VerifiedBundle bundle, ImportRequest request) {
        List<String> unused = request.naming().unused(bundle.manifest().images());
        if (unused.isEmpty()) {
            return;
        }
        String rules = unused.stream().map(r -> "--map " + r).collect(java.util.stream.Collectors.joining(", "));
        String repositories = bundle.manifest().images().stream().map(i -> i.registry() + "/" + i.repository()).distinct()
                .collect(java.util.stream.Collectors.joining(", "));
        String what = rules + " matched no image of bundle " + bundle.manifest().sequence() + " of channel "
                + bundle.manifest().channel() + " (its repositories: " + repositories + ")";
        if (request.strictMap()) {
            throw AirlockException.usage(what + "; nothing was pushed (--strict-map)");
        }
        request.warnings().accept(what + "; its images land unmapped (--strict-map refuses such a bundle)");
    }

    private ImportResult applyInOrder(VerifiedBundle bundle, ImportRequest request, ImportLedger ledger) {
        BundleManifest m = bundle.manifest();
        checkMappings(bundle, request);
        ImageSink sink = SparseIndexSink.wrap(this.sink.apply(request), m.images());
        Trace.mark("import: client ready");

        List<CopyPlan.Image> images = planImages(bundle, request);
        Trace.mark("import: planned");
        Set<Digest> carried = new HashSet<>();
        m.blobs().forEach(b -> carried.add(Digest.parse(b.digest())));
        Set<Digest> elsewhere = new HashSet<>();
        for (CopyPlan.Image image : images) {
            for (ImageTree tree : image.trees()) {
                tree.blobs().keySet().stream().filter(d -> !carried.contains(d)).forEach(elsewhere::add);
            }
        }
        List<CopyPlan.Mount> mounts = checkRequired(m, images, elsewhere, ledger, sink);

        CopyReport report;
        try {
            report = new CopyEngine(request.parallelism(), listener).run(new CopyPlan(images, elsewhere, mounts), bundle, sink,
                    "importing");
        } catch (AirlockException e) {
            if (e.kind() == AirlockException.Kind.CHAIN_BROKEN) {
                throw e.withSuffix(", which this delta bundle relies on; ask for a --full bundle");
            }
            throw e;
        }
        Trace.mark("import: tagged");

        List<ImportResult.Landed> landed = new ArrayList<>();
        List<ImportLedger.Placed> placed = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            BundleManifest.Image named = m.images().get(i);
            CopyPlan.Image p = images.get(i);
            landed.add(new ImportResult.Landed(named.source(), p.target().toString(), named.tag(), named.digest(),
                    p.attached().isEmpty() ? null : dev.airlock.report.AttachedSummary.ofAttached(p.attached())));
            placed.add(new ImportLedger.Placed(p.target().toString(), named.tag(), named.source(), named.digest(),
                    p.trees().stream().flatMap(t -> t.blobs().keySet().stream()).map(Digest::toString).distinct().toList(),
                    named.platforms() == null ? null : named.platforms().kept()));
        }
        if (!ledger.isApplied(bundle.digest().toString())) {
            try {
                ledger.record(new ImportLedger.Applied(m.sequence(), bundle.digest().toString(), m.isFull() ? null : m.parent().sequence(),
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), placed));
            } catch (AirlockException e) {
                throw e.withSuffix(" — every image of bundle " + m.sequence() + " is in place and tagged; only the ledger is behind:"
                        + " fix that and run the same import again to record it (nothing will be pushed twice)");
            }
        }
        return new ImportResult(m, bundle.digest(), bundle.signers(), landed, report.blobsWritten(), report.blobsMounted(),
                report.blobsPresent(), report.bytesWritten(), report.tagsMoved(), false);
    }

    /**
     * Every image walked and checked against bundle.json before anything is written: each blob it
     * (or what is attached to it) references is carried with the same size, or required.
     */
    private List<CopyPlan.Image> planImages(VerifiedBundle bundle, ImportRequest request) {
        BundleManifest m = bundle.manifest();
        Map<Digest, Long> carriedSize = new HashMap<>();
        for (BundleManifest.Blob b : m.blobs()) {
            carriedSize.put(Digest.parse(b.digest()), b.size());
        }
        Set<Digest> required = new HashSet<>();
        m.requires().forEach(r -> required.add(Digest.parse(r)));
        AttachmentIntake.BlobCheck check = (d, owner) -> {
            Long size = carriedSize.get(d.digest());
            if (size == null && !required.contains(d.digest())) {
                throw AirlockException.malformed(bundle.path() + ": " + owner + " references blob " + d.digest()
                        + " that the bundle neither carries nor requires");
            }
            if (size != null && size != d.size()) {
                throw AirlockException.malformed(bundle.path() + ": blob " + d.digest() + " is " + size
                        + " bytes in bundle.json but " + d.size() + " in the manifest of " + owner);
            }
        };
        List<CopyPlan.Image> images = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (BundleManifest.Image image : m.images()) {
            Repo source = new Repo(image.registry(), image.repository());
            Repo target = new Repo(request.naming().host(), request.naming().repository(image));
            ImageTree tree = SparseWalk.walk(bundle, source, image);
            tree.blobs().values().forEach(d -> check.check(d, image.source()));
            AttachmentIntake.Intake attached = AttachmentIntake.plan(bundle, source, image, tree, request.attached(), check);
            images.add(new CopyPlan.Image(source, target, tree, image.tag(), attached.kept()));
            if (request.upstream() != null) {
                String refusal = request.upstream().check(image.source(), image.registry() + "/" + image.repository(), bundle, source,
                        tree, attached.all()).refusal();
                if (refusal != null) {
                    refused.add(refusal);
                }
            }
        }
        refuseUnverified(request, m, refused);
        return images;
    }

    /** With --verify-policy: this side's own keys and trusted root must accept the signatures that crossed, before any push. */
    private static void refuseUnverified(ImportRequest request, BundleManifest m, List<String> refused) {
        if (!refused.isEmpty()) {
            throw AirlockException.untrusted("--verify-policy " + request.upstream().policy().file() + " refuses " + refused.size() + " of "
                    + m.images().size() + " image(s) of bundle " + m.sequence() + "; nothing was pushed: " + String.join(" | ", refused));
        }
    }

    /**
     * Every digest the images need but this bundle does not carry must already be in the target:
     * in the image's own repository, or in another one on the same registry that it can be linked
     * from (a repository this channel placed it in before). Only HEAD requests here; nothing is
     * written until the whole check passes.
     */
    private static List<CopyPlan.Mount> checkRequired(BundleManifest m, List<CopyPlan.Image> images, Set<Digest> notCarried,
            ImportLedger ledger, ImageSink sink) {
        Map<Digest, Set<String>> missing = new LinkedHashMap<>();
        List<CopyPlan.Mount> mounts = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            CopyPlan.Image p = images.get(i);
            String source = m.images().get(i).source();
            for (Descriptor d : p.trees().stream().flatMap(t -> t.blobs().values().stream()).toList()) {
                if (!notCarried.contains(d.digest()) || sink.hasBlob(p.target(), d)) {
                    continue;
                }
                Repo from = null;
                for (String candidate : ledger.repositoriesWith(d.digest().toString())) {
                    String prefix = p.target().host() + "/";
                    Repo other = new Repo(p.target().host(), candidate.substring(Math.min(prefix.length(), candidate.length())));
                    if (candidate.startsWith(prefix) && !other.equals(p.target()) && sink.hasBlob(other, d)) {
                        from = other;
                        break;
                    }
                }
                if (from == null) {
                    missing.computeIfAbsent(d.digest(), k -> new LinkedHashSet<>()).add(source);
                } else {
                    mounts.add(new CopyPlan.Mount(p.target(), d, from));
                }
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder sb = new StringBuilder("the target registry lacks ").append(missing.size())
                    .append(" blob(s) that this delta bundle leaves to earlier bundles: ");
            int shown = 0;
            for (Map.Entry<Digest, Set<String>> e : missing.entrySet()) {
                if (shown++ == 5) {
                    sb.append("… ");
                    break;
                }
                sb.append(e.getKey()).append(" (needed by ").append(String.join(", ", e.getValue())).append(") ");
            }
            sb.append("— nothing was written. Import the earlier bundles of this channel into this registry, or ask for a --full bundle");
            throw AirlockException.chain(sb.toString());
        }
        return mounts;
    }
}
