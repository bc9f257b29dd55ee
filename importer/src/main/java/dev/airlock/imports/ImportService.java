package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.UntrustedBundle;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ChannelLock;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.BlobContent;
import dev.airlock.registry.RegistryClient;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Verifies a bundle and pushes its images into the target registry, in the order that keeps the
 * registry consistent: signatures and entry list first (nothing touches the registry before);
 * then every blob, each verified as it streams (a bad blob is never committed); then manifests,
 * children before parents; then tags, last. A failure at any point leaves no tag on a partial
 * image, and a rerun skips what is already there.
 */
public final class ImportService {
    private final Supplier<RegistryClient> client;
    private final TransferListener listener;

    public ImportService(RegistryClient registry, TransferListener listener) {
        this(() -> registry, listener);
    }

    /** @param client the registry client, asked for only after the bundle's signatures checked out */
    public ImportService(Supplier<RegistryClient> client, TransferListener listener) {
        this.client = client;
        this.listener = listener;
    }

    /** Verifies signatures, entries and every blob's digest, touching no registry. */
    public VerifyReport verify(java.nio.file.Path file, dev.airlock.crypto.TrustPolicy trust) {
        try (UntrustedBundle untrusted = UntrustedBundle.open(file)) {
            VerifiedBundle bundle = untrusted.verify(trust);
            bundle.readLayoutFile(dev.airlock.bundle.BundleNames.OCI_LAYOUT);
            bundle.readLayoutFile(dev.airlock.bundle.BundleNames.INDEX);
            long total = bundle.manifest().blobs().stream().mapToLong(BundleManifest.Blob::size).sum();
            listener.planned("verifying", total, bundle.manifest().blobs().size());
            for (BundleManifest.Blob b : bundle.manifest().blobs()) {
                if (MediaTypes.isManifest(b.mediaType())) {
                    bundle.readManifest(b);
                } else {
                    bundle.check(b);
                }
                Digest d = Digest.parse(b.digest());
                listener.progressed(d, b.size());
                listener.finished(d);
            }
            listener.done();
            return new VerifyReport(bundle.manifest(), bundle.digest(), bundle.signers());
        }
    }

    /** Result of {@link #verify}. */
    public record VerifyReport(BundleManifest manifest, Digest digest, List<String> signers) {
    }

    /** An image of the bundle with its place in the target registry and everything it references. */
    private record Planned(BundleManifest.Image image, RegistryClient.Repository target, ImageTree tree) {
    }

    public ImportResult importBundle(ImportRequest request) {
        Trace.mark("import: start");
        try (UntrustedBundle untrusted = UntrustedBundle.open(request.bundle())) {
            Trace.mark("import: opened");
            VerifiedBundle bundle = untrusted.verify(request.trust());
            Trace.mark("import: verified");
            try {
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
            ImportLedger ledger = ImportLedger.load(request.stateDir(), m.channel());
            if (ChainCheck.check(ledger, m, bundle.digest(), request.reapply()) == ChainCheck.Decision.ALREADY_APPLIED) {
                return new ImportResult(m, bundle.digest(), bundle.signers(), List.of(), 0, 0, 0, 0, 0, true);
            }
            return applyInOrder(bundle, request, ledger);
        }
    }

    private ImportResult applyInOrder(VerifiedBundle bundle, ImportRequest request, ImportLedger ledger) {
        BundleManifest m = bundle.manifest();
        RegistryClient registry = client.get();
        Trace.mark("import: client ready");

        // Manifests: read and checked in full before anything is pushed.
        Map<Digest, RawManifest> manifests = new HashMap<>();
        Map<Digest, BundleManifest.Blob> carried = new LinkedHashMap<>();
        for (BundleManifest.Blob b : m.blobs()) {
            Digest d = Digest.parse(b.digest());
            carried.put(d, b);
            if (MediaTypes.isManifest(b.mediaType())) {
                manifests.put(d, bundle.readManifest(b));
            }
        }
        Set<Digest> required = new HashSet<>();
        m.requires().forEach(r -> required.add(Digest.parse(r)));

        List<Planned> plan = new ArrayList<>();
        for (BundleManifest.Image image : m.images()) {
            RawManifest top = manifests.get(Digest.parse(image.digest()));
            if (top == null) {
                throw AirlockException.malformed(bundle.path() + ": the manifest of " + image.source() + " is not a manifest blob");
            }
            ImageTree tree = ImageTree.walk(top, d -> {
                RawManifest child = manifests.get(d.digest());
                if (child == null) {
                    throw AirlockException.malformed(bundle.path() + ": manifest " + d.digest() + " of " + image.source()
                            + " is not in the bundle");
                }
                return child;
            });
            for (Descriptor d : tree.blobs().values()) {
                BundleManifest.Blob b = carried.get(d.digest());
                if (b == null && !required.contains(d.digest())) {
                    throw AirlockException.malformed(bundle.path() + ": " + image.source() + " references blob " + d.digest()
                            + " that the bundle neither carries nor requires");
                }
                if (b != null && b.size() != d.size()) {
                    throw AirlockException.malformed(bundle.path() + ": blob " + d.digest() + " is " + b.size()
                            + " bytes in bundle.json but " + d.size() + " in the manifest of " + image.source());
                }
            }
            plan.add(new Planned(image, registry.repository(request.naming().host(), request.naming().repository(image)), tree));
        }

        Trace.mark("import: planned");
        Map<Digest, List<Mount>> mounts = checkRequired(plan, carried.keySet(), ledger);

        // Blobs: which target repositories need each carried blob.
        Map<Digest, List<RegistryClient.Repository>> needs = new LinkedHashMap<>();
        for (Digest d : carried.keySet()) {
            if (!manifests.containsKey(d)) {
                needs.put(d, new ArrayList<>());
            }
        }
        for (Planned p : plan) {
            for (Digest d : p.tree().blobs().keySet()) {
                List<RegistryClient.Repository> repos = needs.get(d);
                if (repos != null && repos.stream().noneMatch(r -> r.name().equals(p.target().name()))) {
                    repos.add(p.target());
                }
            }
        }
        Counters counters = new Counters();
        long total = needs.keySet().stream().mapToLong(d -> carried.get(d).size()).sum();
        listener.planned("importing", total, needs.size());
        // Largest first, so the last ones to finish are small and the registry stays busy to the end.
        List<Runnable> pushes = new ArrayList<>();
        needs.entrySet().stream()
                .sorted(java.util.Comparator.comparingLong((Map.Entry<Digest, List<RegistryClient.Repository>> e) ->
                        carried.get(e.getKey()).size()).reversed())
                .forEach(e -> pushes.add(() -> pushOne(bundle, carried.get(e.getKey()), e.getValue(), counters)));
        runAll(pushes, request.parallelism());
        Trace.mark("import: blobs pushed");
        for (List<Mount> list : mounts.values()) {
            for (Mount mount : list) {
                if (!mount.into().mountBlob(mount.digest(), mount.from())) {
                    throw AirlockException.chain("the target registry would not link blob " + mount.digest() + " from "
                            + mount.from() + " into " + mount.into().name() + ", which this delta bundle relies on; ask for a --full bundle");
                }
                counters.mounted.incrementAndGet();
            }
        }

        // Manifests, children before parents, by digest: still no tag. Images in parallel.
        List<Runnable> manifestPushes = new ArrayList<>();
        for (Planned p : plan) {
            manifestPushes.add(() -> {
                List<RawManifest> order = new ArrayList<>(p.tree().manifests().values());
                java.util.Collections.reverse(order);
                for (RawManifest mf : order) {
                    if (p.target().headManifest(mf.digest().toString()).isEmpty()) {
                        p.target().putManifest(mf.digest().toString(), mf);
                    }
                }
            });
        }
        runAll(manifestPushes, request.parallelism());

        Trace.mark("import: manifests pushed");
        // Tags last, once every image's blobs and manifests are in place.
        List<ImportResult.Landed> landed = new ArrayList<>();
        AtomicInteger tagsWritten = new AtomicInteger();
        List<Runnable> tagPushes = new ArrayList<>();
        for (Planned p : plan) {
            String tag = p.image().tag();
            RawManifest top = p.tree().top();
            if (tag != null) {
                tagPushes.add(() -> {
                    boolean current = p.target().headManifest(tag).map(top.digest()::equals).orElse(false);
                    if (!current) {
                        p.target().putManifest(tag, top);
                        tagsWritten.incrementAndGet();
                    }
                });
            }
            landed.add(new ImportResult.Landed(p.image().source(), p.target().host() + "/" + p.target().name(), tag,
                    top.digest().toString()));
        }
        runAll(tagPushes, request.parallelism());
        int tags = tagsWritten.get();
        listener.done();
        Trace.mark("import: tagged");

        List<ImportLedger.Placed> placed = new ArrayList<>();
        for (Planned p : plan) {
            placed.add(new ImportLedger.Placed(p.target().host() + "/" + p.target().name(), p.image().tag(), p.image().source(),
                    p.tree().top().digest().toString(), p.tree().blobs().keySet().stream().map(Digest::toString).toList()));
        }
        if (ledger.isApplied(bundle.digest().toString())) {
            return new ImportResult(m, bundle.digest(), bundle.signers(), landed, counters.pushed.get(), counters.mounted.get(),
                    counters.present.get(), counters.bytes.get(), tags, false);
        }
        ledger.record(new ImportLedger.Applied(m.sequence(), bundle.digest().toString(), m.isFull() ? null : m.parent().sequence(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), placed));
        return new ImportResult(m, bundle.digest(), bundle.signers(), landed, counters.pushed.get(), counters.mounted.get(),
                counters.present.get(), counters.bytes.get(), tags, false);
    }

    /** A blob that is in the target registry, but in another repository than the image needs it in. */
    private record Mount(RegistryClient.Repository into, Digest digest, String from) {
    }

    /**
     * Every digest the images need but this bundle does not carry must already be in the target:
     * in the image's own repository, or in another one on the same registry that it can be linked
     * from (a repository this channel placed it in before). Only HEAD requests here; nothing is
     * written until the whole check passes.
     */
    private Map<Digest, List<Mount>> checkRequired(List<Planned> plan, Set<Digest> carried, ImportLedger ledger) {
        RegistryClient registry = client.get();
        Map<Digest, Set<String>> missing = new LinkedHashMap<>();
        Map<Digest, List<Mount>> mounts = new LinkedHashMap<>();
        for (Planned p : plan) {
            for (Digest d : p.tree().blobs().keySet()) {
                if (carried.contains(d) || p.target().hasBlob(d)) {
                    continue;
                }
                String from = null;
                for (String candidate : ledger.repositoriesWith(d.toString())) {
                    String prefix = p.target().host() + "/";
                    if (candidate.startsWith(prefix) && !candidate.equals(prefix + p.target().name())
                            && registry.repository(p.target().host(), candidate.substring(prefix.length())).hasBlob(d)) {
                        from = candidate.substring(prefix.length());
                        break;
                    }
                }
                if (from == null) {
                    missing.computeIfAbsent(d, k -> new LinkedHashSet<>()).add(p.image().source());
                } else {
                    mounts.computeIfAbsent(d, k -> new ArrayList<>()).add(new Mount(p.target(), d, from));
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

    private static final class Counters {
        final AtomicInteger pushed = new AtomicInteger();
        final AtomicInteger mounted = new AtomicInteger();
        final AtomicInteger present = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
    }

    /**
     * Runs the tasks, at most {@code parallelism} at once, and waits for all. The first failure
     * stops the rest and is rethrown (a verification failure before any follow-on error).
     */
    private static void runAll(List<Runnable> tasks, int parallelism) {
        if (tasks.size() <= 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), r -> {
            Thread t = new Thread(r, "airlock-push");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable task : tasks) {
                futures.add(pool.submit(task));
            }
            AirlockException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException ex) {
                    AirlockException a = ex.getCause() instanceof AirlockException ae ? ae
                            : new AirlockException(AirlockException.Kind.INTERNAL, String.valueOf(ex.getCause()), ex.getCause());
                    // A verification failure says more about the bundle than a follow-on error.
                    if (first == null || (a.isVerification() && !first.isVerification())) {
                        first = a;
                    }
                    pool.shutdownNow();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new AirlockException(AirlockException.Kind.INTERNAL, "interrupted", ex);
                } catch (java.util.concurrent.CancellationException ignored) {
                    // cancelled after an earlier failure
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void pushOne(VerifiedBundle bundle, BundleManifest.Blob blob, List<RegistryClient.Repository> repos, Counters counters) {
        Digest d = Digest.parse(blob.digest());
        listener.started(d, blob.size());
        BlobContent content = bundle.content(blob);
        if (repos.isEmpty() || repos.get(0).hasBlob(d)) {
            // Nothing to send to the first repository, but the bundle's bytes must still be right.
            bundle.check(blob);
            listener.progressed(d, blob.size());
            counters.present.incrementAndGet();
        } else {
            repos.get(0).uploadBlob(d, blob.size(), content, 0);
            listener.progressed(d, blob.size());
            counters.pushed.incrementAndGet();
            counters.bytes.addAndGet(blob.size());
        }
        for (int i = 1; i < repos.size(); i++) {
            RegistryClient.Repository r = repos.get(i);
            if (r.hasBlob(d)) {
                counters.present.incrementAndGet();
            } else if (r.mountBlob(d, repos.get(0).name())) {
                counters.mounted.incrementAndGet();
            } else {
                r.uploadBlob(d, blob.size(), bundle.content(blob), 0);
                counters.pushed.incrementAndGet();
                counters.bytes.addAndGet(blob.size());
            }
        }
        listener.finished(d);
        Trace.mark("import: blob " + d.shortHex() + " done");
    }

}
