package dev.airlock.export.plan;

import dev.airlock.copy.ImageSource;
import dev.airlock.copy.TransferRunner;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.error.AirlockException;
import dev.airlock.upstream.ImageVerification;
import java.util.ArrayList;
import java.util.List;

/**
 * The step between discovering attachments and planning the delta, with {@code --verify-policy}:
 * every image is checked against its rule from the signatures found beside it, several at once,
 * before anything is written. Every image that fails is named in one refusal (exit 3), each with
 * the rule and why each signature tried failed; what verified is recorded per image.
 */
public final class UpstreamStep {
    private UpstreamStep() {
    }

    public static List<BundleManifest.Upstream> check(List<Resolved> images, ImageVerification verification, ImageSource source,
            int parallelism) {
        ImageVerification.Outcome[] outcomes = new ImageVerification.Outcome[images.size()];
        List<Runnable> tasks = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            int at = i;
            Resolved r = images.get(at);
            tasks.add(() -> outcomes[at] = verification.check(r.ref().toString(), r.ref().registry() + "/" + r.ref().repository(),
                    source, r.repo(), r.tree(), r.attached()));
        }
        TransferRunner.run(tasks, parallelism, "airlock-upstream");
        List<String> refused = new ArrayList<>();
        List<BundleManifest.Upstream> recorded = new ArrayList<>();
        for (ImageVerification.Outcome o : outcomes) {
            if (o.refusal() != null) {
                refused.add(o.refusal());
            }
            recorded.add(o.upstream());
        }
        if (!refused.isEmpty()) {
            throw AirlockException.untrusted("--verify-policy refuses " + refused.size() + " of " + images.size()
                    + (images.size() == 1 ? " image" : " images") + "; nothing was written: " + String.join(" | ", refused));
        }
        return recorded;
    }
}
