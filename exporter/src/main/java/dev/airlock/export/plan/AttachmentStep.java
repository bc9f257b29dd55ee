package dev.airlock.export.plan;

import dev.airlock.copy.AttachmentDiscovery;
import dev.airlock.copy.TransferRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Step two of planning an export: what is attached to each resolved image, looked up for several
 * images at once (each lookup is a few small requests; a catalog of a thousand images would
 * otherwise wait on them one by one). The first failure ends the run.
 */
public final class AttachmentStep {
    private AttachmentStep() {
    }

    public static List<Resolved> discover(List<Resolved> images, AttachmentDiscovery discovery, int parallelism) {
        Resolved[] out = images.toArray(new Resolved[0]);
        List<Runnable> tasks = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            int at = i;
            tasks.add(() -> out[at] = out[at].withAttached(discovery.discover(out[at].repo(), out[at].tree(), out[at].ref().toString())));
        }
        TransferRunner.run(tasks, parallelism, "airlock-attached");
        return Arrays.asList(out);
    }
}
