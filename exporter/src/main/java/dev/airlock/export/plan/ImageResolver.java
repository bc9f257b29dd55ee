package dev.airlock.export.plan;

import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.TransferRunner;
import dev.airlock.error.AirlockException;
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

    /** One image's outcome: its tree, or why it cannot be had. */
    private record Outcome(Resolved resolved, AirlockException refused) {
    }

    /**
     * @param parallelism manifests read at once (each is one small request; a catalog of a
     *     thousand images would otherwise wait on them one by one)
     */
    public static List<Resolved> resolve(List<Wanted> wanted, ImageSource source, int parallelism) {
        Set<String> named = new LinkedHashSet<>();
        List<Wanted> distinct = new ArrayList<>();
        for (Wanted w : wanted) {
            if (named.add(w.ref().toString())) {
                distinct.add(w);
            }
        }
        Outcome[] outcomes = new Outcome[distinct.size()];
        List<Runnable> tasks = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            int at = i;
            tasks.add(() -> outcomes[at] = resolveOne(distinct.get(at), source));
        }
        TransferRunner.run(tasks, parallelism, "airlock-resolve");
        List<Resolved> resolved = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        AirlockException first = null;
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i].refused() == null) {
                resolved.add(outcomes[i].resolved());
                continue;
            }
            AirlockException e = outcomes[i].refused();
            unresolved.add(distinct.get(i).ref() + " (" + (e instanceof ManifestNotFound nf ? nf.reason() : e.getMessage()) + ")");
            first = first == null ? e : first;
        }
        if (!unresolved.isEmpty()) {
            throw new AirlockException(first.kind(), "cannot resolve " + unresolved.size() + " of " + named.size()
                    + (named.size() == 1 ? " image: " : " images: ") + String.join(", ", unresolved), first);
        }
        return resolved;
    }

    /** Not found and access refused are kept, to be named with the others; any other failure ends the run at once. */
    private static Outcome resolveOne(Wanted w, ImageSource source) {
        try {
            return new Outcome(new Resolved(w.ref(), w.repo(), CopyEngine.walk(source, w.repo(), w.reference()), List.of()), null);
        } catch (AirlockException e) {
            if (e.kind() != AirlockException.Kind.NOT_FOUND && e.kind() != AirlockException.Kind.AUTH_REFUSED) {
                throw e;
            }
            return new Outcome(null, e);
        }
    }
}
