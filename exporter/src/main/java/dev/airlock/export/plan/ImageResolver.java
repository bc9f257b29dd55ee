package dev.airlock.export.plan;

import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.ImageSource;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageTree;
import dev.airlock.registry.ManifestNotFound;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Step one of planning an export: every image named is read from its source, top manifest and
 * every child. An image named twice (perhaps in two spellings) is read once. Every image is tried,
 * so that one run names every image that cannot be had (not found, or access refused); any other
 * failure ends the run at once.
 */
public final class ImageResolver {
    private ImageResolver() {
    }

    public static List<Resolved> resolve(List<Wanted> wanted, ImageSource source) {
        List<Resolved> resolved = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        List<String> unresolved = new ArrayList<>();
        AirlockException first = null;
        for (Wanted w : wanted) {
            if (!named.add(w.ref().toString())) {
                continue;
            }
            try {
                ImageTree tree = CopyEngine.walk(source, w.repo(), w.reference());
                resolved.add(new Resolved(w.ref(), w.repo(), tree, List.of()));
            } catch (AirlockException e) {
                if (e.kind() != AirlockException.Kind.NOT_FOUND && e.kind() != AirlockException.Kind.AUTH_REFUSED) {
                    throw e;
                }
                unresolved.add(w.ref() + " (" + (e instanceof ManifestNotFound nf ? nf.reason() : e.getMessage()) + ")");
                first = first == null ? e : first;
            }
        }
        if (!unresolved.isEmpty()) {
            throw new AirlockException(first.kind(), "cannot resolve " + unresolved.size() + " of " + named.size()
                    + (named.size() == 1 ? " image: " : " images: ") + String.join(", ", unresolved), first);
        }
        return resolved;
    }
}
