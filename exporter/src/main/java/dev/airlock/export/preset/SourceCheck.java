package dev.airlock.export.preset;

import dev.airlock.error.AirlockException;
import dev.airlock.oci.ImageReference;
import dev.airlock.registry.RegistryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Which of a list of images the source lacks, asked with one manifest HEAD each (a few at once),
 * so that every missing one is named in one message before anything is written. Any other answer
 * than found or not found (auth refused, a transient failure) ends the check with that failure.
 */
public final class SourceCheck {
    private SourceCheck() {
    }

    /** The references of {@code images} whose tag or digest the source does not have, in the given order. */
    public static List<String> missing(RegistryClient client, List<String> images, int parallel) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, images.size())), r -> {
            Thread t = new Thread(r, "source-check");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Boolean>> found = new ArrayList<>();
            for (String image : images) {
                ImageReference ref = ImageReference.parse(image);
                found.add(pool.submit(() -> client.repository(ref.apiHost(), ref.repository()).headManifest(ref.manifestReference())
                        .isPresent()));
            }
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                if (!found.get(i).get()) {
                    missing.add(images.get(i));
                }
            }
            return missing;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AirlockException a) {
                throw a;
            }
            throw AirlockException.internal("checking the source: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AirlockException.local("interrupted while checking the source", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
