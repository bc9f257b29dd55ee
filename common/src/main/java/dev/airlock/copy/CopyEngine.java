package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one copy engine: every move of images, export (registry → bundle) and import (bundle →
 * registry), walks and writes through here. It knows the order, never the medium:
 * <ol>
 * <li>blobs (config and layers), each once per target repository, largest first, on one bounded
 * parallel runner; a blob the sink has is skipped (its source still checks it), a blob another
 * target repository already received is linked there instead of copied again;
 * <li>manifests by digest, each image's children before the index that names them, then what is
 * attached to the image (each after its subject), made findable by its legacy tag or in its
 * subject's referrers list;
 * <li>tags, last, once every image's blobs and manifests are in place.
 * </ol>
 * The first failure in a phase cancels everything queued and running and ends the copy; no later
 * phase starts, so no tag ever points at an incomplete image.
 */
public final class CopyEngine {
    private final int parallelism;
    private final TransferListener listener;

    public CopyEngine(int parallelism, TransferListener listener) {
        this.parallelism = Math.max(1, parallelism);
        this.listener = listener;
    }

    /** Reads an image from {@code source}: its top manifest by tag or digest, then every child manifest. */
    public static ImageTree walk(ImageSource source, Repo repo, String reference) {
        RawManifest top = source.manifest(repo, reference);
        return ImageTree.walk(top, d -> source.manifest(repo, d.digest().toString()));
    }

    /** One blob to copy: read from {@code source}, needed in each of {@code targets}. */
    private record BlobJob(Descriptor blob, Repo source, List<Repo> targets) {
    }

    /**
     * Requests at once for what moves no blob (a check, a manifest, a tag, a link): each is a
     * round trip of a few bytes, so more of them in flight hide the registry's latency, while
     * {@code parallelism} bounds the blob transfers (the documented {@code --parallel}).
     */
    static final int SMALL_REQUESTS = 8;

    public CopyReport run(CopyPlan plan, ImageSource source, ImageSink sink, String action) {
        int small = Math.max(parallelism, SMALL_REQUESTS);
        TargetPresence presence = TargetPresence.check(plan.images(), sink, small);
        Counters counters = new Counters();
        Map<Digest, BlobJob> jobs = blobJobs(plan, presence, counters);
        listener.planned(action, jobs.values().stream().mapToLong(j -> j.blob().size()).sum(), jobs.size());

        // Phase 1: blobs into their first target repository, largest first (so the last transfers
        // to finish are small ones), then linked into every other target that needs them.
        List<BlobJob> order = jobs.values().stream().sorted(Comparator.comparingLong((BlobJob j) -> j.blob().size()).reversed())
                .toList();
        TransferRunner.run(each(order, j -> () -> copyFirst(j, source, sink, presence, counters)), parallelism, "airlock-blob");
        TransferRunner.run(links(order, plan, source, sink, presence, counters), small, "airlock-link");
        Trace.mark("copy: blobs done");

        // Phase 2: manifests by digest, children before parents; images in parallel.
        TransferRunner.run(each(plan.images(), image -> () -> {
            ImageSink.Presence p = presence.of(image);
            List<ImageTree> trees = image.trees();
            for (int i = p == ImageSink.Presence.WHOLE ? 1 : 0; i < trees.size(); i++) {
                putManifests(image.target(), trees.get(i), sink, counters, i == 0 && p == ImageSink.Presence.ABSENT);
            }
            attach(image, sink);
        }), small, "airlock-manifest");
        Trace.mark("copy: manifests done");

        // Phase 3: tags, last.
        TransferRunner.run(each(plan.images().stream().filter(image -> image.tag() != null).toList(), image -> () -> {
            boolean absent = presence.of(image) == ImageSink.Presence.ABSENT;
            if (absent ? sink.tagNew(image.target(), image.tag(), image.tree().top())
                    : sink.tag(image.target(), image.tag(), image.tree().top())) {
                counters.tags.incrementAndGet();
            }
        }), small, "airlock-tag");
        Trace.mark("copy: tags done");
        listener.done();
        return new CopyReport(counters.written.get(), counters.bytes.get(), counters.mounted.get(), counters.present.get(),
                counters.manifests.get(), counters.tags.get());
    }

    /** A task for each item, made when the runner takes it (a catalog's thousands of tasks are not all held at once). */
    private static <T> List<Runnable> each(List<T> items, java.util.function.Function<T, Runnable> task) {
        return new java.util.AbstractList<>() {
            @Override
            public Runnable get(int i) {
                return task.apply(items.get(i));
            }

            @Override
            public int size() {
                return items.size();
            }
        };
    }

    /** Every blob's other target repositories, one task each (a base layer shared by a thousand images is a thousand links), then the plan's own mounts. */
    private List<Runnable> links(List<BlobJob> jobs, CopyPlan plan, ImageSource source, ImageSink sink, TargetPresence presence,
            Counters counters) {
        List<Runnable> tasks = new ArrayList<>();
        for (BlobJob j : jobs) {
            for (Repo other : j.targets().subList(Math.min(1, j.targets().size()), j.targets().size())) {
                tasks.add(() -> copyOther(j, other, source, sink, presence, counters));
            }
        }
        for (CopyPlan.Mount m : plan.mounts()) {
            tasks.add(() -> {
                if (!sink.mountBlob(m.into(), m.blob(), m.from())) {
                    throw AirlockException.chain(m.into().host() + " would not link blob " + m.blob().digest() + " from "
                            + m.from().name() + " into " + m.into().name());
                }
                counters.mounted.incrementAndGet();
            });
        }
        return tasks;
    }

    /**
     * Each blob to copy once (none that is elsewhere), with every target repository that needs it
     * and holds no whole image with it (those count as present at once). A blob no target needs any
     * more still has a job with no targets: its source checks it.
     */
    private static Map<Digest, BlobJob> blobJobs(CopyPlan plan, TargetPresence presence, Counters counters) {
        Map<Digest, BlobJob> jobs = new LinkedHashMap<>();
        java.util.Set<String> covered = new java.util.HashSet<>();
        for (CopyPlan.Image image : plan.images()) {
            for (Descriptor d : image.trees().stream().flatMap(t -> t.blobs().values().stream()).toList()) {
                if (plan.elsewhere().contains(d.digest())) {
                    continue;
                }
                BlobJob job = jobs.computeIfAbsent(d.digest(), k -> new BlobJob(d, image.source(), new ArrayList<>()));
                if (job.blob().size() != d.size()) {
                    throw AirlockException.malformed("blob " + d.digest() + " is referenced with two sizes (" + job.blob().size()
                            + " and " + d.size() + ")");
                }
                if (presence.covered(image.target(), d)) {
                    covered.add(image.target() + "@" + d.digest());
                } else if (!job.targets().contains(image.target())) {
                    job.targets().add(image.target());
                }
            }
        }
        counters.present.addAndGet(covered.size());
        return jobs;
    }

    /** A tree's manifests by digest, children before the index that names them; asked about first unless {@code absent}. */
    private static void putManifests(Repo target, ImageTree tree, ImageSink sink, Counters counters, boolean absent) {
        List<RawManifest> order = new ArrayList<>(tree.manifests().values());
        Collections.reverse(order);
        for (RawManifest m : order) {
            if (absent || !sink.hasManifest(target, m)) {
                sink.putManifest(target, m);
                counters.manifests.incrementAndGet();
            }
        }
    }

    /**
     * Makes each attachment findable by the conventions (its legacy tag; the referrers list of its
     * subject), in order, subjects first: done with the manifests, before any image tag, so that
     * when a tag appears its signatures are already there for an admission controller.
     */
    private static void attach(CopyPlan.Image image, ImageSink sink) {
        for (Attached a : image.attached()) {
            if (a.referrer()) {
                sink.attachReferrer(image.target(), a.subject(), a.tree().top());
            }
            if (a.tag() != null) {
                sink.tag(image.target(), a.tag(), a.tree().top());
            }
        }
    }

    /** A blob into its first target repository (asked about first unless small and new there); with no target left, only checked. */
    private void copyFirst(BlobJob job, ImageSource source, ImageSink sink, TargetPresence presence, Counters counters) {
        Descriptor d = job.blob();
        listener.started(d.digest(), d.size());
        if (job.targets().isEmpty()) {
            source.checkSkipped(job.source(), d);
            listener.progressed(d.digest(), d.size());
        } else if (!presence.writeWithoutCheck(job.targets().get(0), d) && sink.hasBlob(job.targets().get(0), d)) {
            source.checkSkipped(job.source(), d);
            listener.progressed(d.digest(), d.size());
            counters.present.incrementAndGet();
        } else {
            sink.putBlob(job.targets().get(0), d, source.blob(job.source(), d), n -> listener.progressed(d.digest(), n));
            counters.written.incrementAndGet();
            counters.bytes.addAndGet(d.size());
        }
        listener.finished(d.digest());
    }

    /** A blob already in its job's first target into {@code other}: linked from there, or written again where the sink cannot link. */
    private void copyOther(BlobJob job, Repo other, ImageSource source, ImageSink sink, TargetPresence presence, Counters counters) {
        Descriptor d = job.blob();
        if (!presence.fresh(other, d) && sink.hasBlob(other, d)) {
            counters.present.incrementAndGet();
        } else if (sink.mountBlob(other, d, job.targets().get(0))) {
            counters.mounted.incrementAndGet();
        } else {
            sink.putBlob(other, d, source.blob(job.source(), d), n -> {
            });
            counters.written.incrementAndGet();
            counters.bytes.addAndGet(d.size());
        }
    }

    private static final class Counters {
        final AtomicInteger written = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger mounted = new AtomicInteger();
        final AtomicInteger present = new AtomicInteger();
        final AtomicInteger manifests = new AtomicInteger();
        final AtomicInteger tags = new AtomicInteger();
    }
}
