package dev.airlock.copy;

import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.AttachmentKind;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds what is attached to each manifest of an image — the top manifest and every child of an
 * index — and to those attachments in turn: cosign's legacy tags ({@code sha256-<hex>.sig},
 * {@code .att}, {@code .sbom}, read from the repository's tag list, listed once per repository per
 * run) and OCI 1.1 referrers (the referrers API, or where the source has none, the referrers tag
 * schema's index at {@code sha256-<hex>}). Bounded: attachments nest at most {@link #MAX_DEPTH}
 * deep and an image has at most {@link #MAX_PER_IMAGE}; past either the image is refused with the
 * bound named, never carried with part of its attachments silently left behind. Thread-safe: one
 * instance serves a whole run.
 */
public final class AttachmentDiscovery {
    public static final int MAX_DEPTH = 4;
    public static final int MAX_PER_IMAGE = 512;
    private static final List<String> LEGACY_SUFFIXES = List.of(".sig", ".att", ".sbom");

    private final ImageSource source;
    private final AttachedSelection selection;
    private final Map<Repo, Set<String>> tags = new ConcurrentHashMap<>();

    public AttachmentDiscovery(ImageSource source, AttachedSelection selection) {
        this.source = source;
        this.selection = selection;
    }

    /** A manifest to look for attachments of, and how deep it already sits. */
    private record Subject(Digest digest, int depth) {
    }

    /** Everything attached to {@code image} (read from {@code repo}), subjects before what attaches to them. */
    public List<Attached> discover(Repo repo, ImageTree image, String name) {
        if (selection == AttachedSelection.NONE) {
            return List.of();
        }
        Map<Digest, Attached> found = new LinkedHashMap<>();
        Set<Digest> known = new HashSet<>(image.manifests().keySet());
        Deque<Subject> todo = new ArrayDeque<>();
        image.manifests().keySet().forEach(d -> todo.add(new Subject(d, 0)));
        while (!todo.isEmpty()) {
            Subject s = todo.poll();
            for (Attached a : attachedTo(repo, s.digest())) {
                Attached before = found.get(a.digest());
                if (before != null || known.contains(a.digest())) {
                    if (before != null) {
                        found.put(a.digest(), merge(before, a));
                    }
                    continue;
                }
                if (s.depth() + 1 > MAX_DEPTH) {
                    throw AirlockException.usage(name + ": attachments nest deeper than " + MAX_DEPTH + " (airlock's bound; "
                            + a.digest() + " attaches to " + s.digest() + "); carry it with --attached signatures or none");
                }
                if (found.size() == MAX_PER_IMAGE) {
                    throw AirlockException.usage(name + ": more than " + MAX_PER_IMAGE + " attachments (airlock's bound on one image);"
                            + " carry it with --attached signatures or none");
                }
                found.put(a.digest(), a);
                known.addAll(a.tree().manifests().keySet());
                todo.add(new Subject(a.digest(), s.depth() + 1));
            }
        }
        return List.copyOf(found.values());
    }

    /** Found both under a legacy tag and as a referrer: one attachment, both ways kept. */
    private static Attached merge(Attached a, Attached b) {
        return new Attached(a.subject(), a.tree(), a.tag() != null ? a.tag() : b.tag(), a.referrer() || b.referrer(), a.kind());
    }

    private List<Attached> attachedTo(Repo repo, Digest subject) {
        List<Attached> out = new ArrayList<>();
        String hex = Referrer.fallbackTag(subject);
        Set<String> listed = tags(repo);
        for (String suffix : LEGACY_SUFFIXES) {
            if (listed.contains(hex + suffix)) {
                RawManifest m = source.manifest(repo, hex + suffix);
                keep(out, new Attached(subject, walk(repo, m), hex + suffix, false, AttachmentKind.of(hex + suffix, m)));
            }
        }
        for (Referrer r : referrers(repo, subject, listed)) {
            RawManifest m = source.manifest(repo, r.digest().toString());
            if (m.subject().map(d -> d.digest().equals(subject)).orElse(false)) {
                keep(out, new Attached(subject, walk(repo, m), null, true, AttachmentKind.of(null, m)));
            } // a stale or foreign entry in someone's fallback index: what does not name this subject is not its referrer
        }
        return out;
    }

    private void keep(List<Attached> out, Attached a) {
        if (selection.keeps(a.kind())) {
            out.add(a);
        }
    }

    private ImageTree walk(Repo repo, RawManifest top) {
        return ImageTree.walk(top, d -> source.manifest(repo, d.digest().toString()));
    }

    private List<Referrer> referrers(Repo repo, Digest subject, Set<String> listed) {
        var api = source.referrers(repo, subject);
        if (api.isPresent()) {
            return api.get();
        }
        String fallback = Referrer.fallbackTag(subject);
        return listed.contains(fallback) ? source.manifest(repo, fallback).referrers() : List.of();
    }

    private Set<String> tags(Repo repo) {
        return tags.computeIfAbsent(repo, r -> Set.copyOf(source.tags(r)));
    }
}
