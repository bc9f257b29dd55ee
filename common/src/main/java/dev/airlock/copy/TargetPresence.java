package dev.airlock.copy;

import dev.airlock.copy.ImageSink.Presence;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Step zero of a copy into a registry: one check per image of what the target already holds,
 * instead of one per blob, per manifest and per tag (a catalog of a thousand small images is
 * otherwise mostly HEAD requests). For each image's target repository and top manifest the sink
 * says {@link Presence#WHOLE} (everything the image names is there: nothing of it is checked or
 * written again), {@link Presence#ABSENT} (small blobs, manifests and the tag are written without
 * asking first: writing them again is harmless, a registry keeps one copy per digest) or
 * {@link Presence#UNKNOWN} (every part checked on its own, as before). Attachments are always
 * checked part by part.
 */
final class TargetPresence {
    /** Blobs below this size are written without a check first when their image is absent: the check would cost as much. */
    static final long CHECK_FIRST_FROM = 1 << 20;

    private final Map<String, Presence> byImage;
    /** Per target repository, the blobs some whole image there holds. */
    private final Map<Repo, Set<Digest>> covered = new HashMap<>();
    /** Per target repository, the blobs only absent images there need (each, so far). */
    private final Map<Repo, Set<Digest>> fresh = new HashMap<>();

    private TargetPresence(List<CopyPlan.Image> images, Map<String, Presence> byImage) {
        this.byImage = byImage;
        Map<Repo, Set<Digest>> unsure = new HashMap<>();
        for (CopyPlan.Image image : images) {
            Presence p = of(image);
            for (Descriptor d : image.tree().blobs().values()) {
                (p == Presence.WHOLE ? covered : p == Presence.ABSENT ? fresh : unsure)
                        .computeIfAbsent(image.target(), k -> new HashSet<>()).add(d.digest());
            }
            for (int i = 1; i < image.trees().size(); i++) {
                image.trees().get(i).blobs().keySet().forEach(d -> unsure.computeIfAbsent(image.target(), k -> new HashSet<>()).add(d));
            }
        }
        fresh.forEach((repo, digests) -> {
            digests.removeAll(covered.getOrDefault(repo, Set.of()));
            digests.removeAll(unsure.getOrDefault(repo, Set.of()));
        });
    }

    /** Asks the sink about every image's top manifest in its target, {@code parallelism} at once. */
    static TargetPresence check(List<CopyPlan.Image> images, ImageSink sink, int parallelism) {
        Map<String, Presence> byImage = new ConcurrentHashMap<>();
        List<Runnable> tasks = new ArrayList<>();
        Set<String> asked = new HashSet<>();
        for (CopyPlan.Image image : images) {
            String key = key(image);
            if (asked.add(key)) {
                tasks.add(() -> byImage.put(key, sink.imagePresence(image.target(), image.tree().top())));
            }
        }
        TransferRunner.run(tasks, parallelism, "airlock-presence");
        return new TargetPresence(images, byImage);
    }

    /** Nothing asked: every blob and manifest checked on its own. */
    static TargetPresence unknown() {
        return new TargetPresence(List.of(), Map.of());
    }

    private static String key(CopyPlan.Image image) {
        return image.target() + "@" + image.tree().top().digest();
    }

    Presence of(CopyPlan.Image image) {
        return byImage.getOrDefault(key(image), Presence.UNKNOWN);
    }

    /** True if a whole image in {@code target} already holds {@code blob}. */
    boolean covered(Repo target, Descriptor blob) {
        return covered.getOrDefault(target, Set.of()).contains(blob.digest());
    }

    /** True if only absent images in {@code target} need {@code blob}: linking it there needs no check first. */
    boolean fresh(Repo target, Descriptor blob) {
        return fresh.getOrDefault(target, Set.of()).contains(blob.digest());
    }

    /** True if {@code blob} may be written into {@code target} without asking first: small, and only absent images there need it. */
    boolean writeWithoutCheck(Repo target, Descriptor blob) {
        return blob.size() < CHECK_FIRST_FROM && fresh(target, blob);
    }
}
