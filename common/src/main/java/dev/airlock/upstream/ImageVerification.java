package dev.airlock.upstream;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.Attached;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Whether one image satisfies its rule of an {@link UpstreamPolicy}, from the signatures attached to
 * it — the same check on the connected side (signatures read from the source registry) and on the
 * offline side (signatures read from the verified bundle). An image passes when its top manifest
 * has a signature that verifies under the rule, or, for an index whose own manifest is not signed,
 * when every child has one (cosign signs each platform with {@code --recursive}).
 */
public final class ImageVerification {
    /** A signature layer or Sigstore bundle larger than this is not read (cosign's are a few KiB). */
    static final int MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;
    /** cosign's signature stored as an OCI 1.1 referrer (the same layers as its legacy .sig tag). */
    private static final String COSIGN_SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json";

    private final UpstreamPolicy policy;
    private final SignatureVerifier verifier;

    public ImageVerification(UpstreamPolicy policy, SignatureVerifier verifier) {
        this.policy = policy;
        this.verifier = verifier;
    }

    /** The outcome for one image: what to record in bundle.json, or why it is refused (then {@code upstream} is null). */
    public record Outcome(BundleManifest.Upstream upstream, String refusal) {
    }

    /**
     * @param name the image as people name it (its source reference)
     * @param repository its source repository as {@code host/path}, which the rules match
     */
    public Outcome check(String name, String repository, ImageSource source, Repo repo, ImageTree tree, List<Attached> attached) {
        Rule rule = policy.match(repository);
        if (rule == null) {
            return new Outcome(null, name + ": no rule of the policy covers " + repository + " (add one, or a last rule match: \"**\")");
        }
        if (rule.require() == Rule.Require.REFUSE) {
            return new Outcome(null, name + ": the policy's rule '" + rule.match() + "' refuses it");
        }
        if (rule.require() == Rule.Require.NONE) {
            return new Outcome(new BundleManifest.Upstream(rule.match(), "none", List.of()), null);
        }
        Function<Descriptor, byte[]> blobs = d -> read(source, repo, d);
        List<String> failures = new ArrayList<>();
        Verdict top = verdict(tree.top().digest(), attached, blobs, rule);
        if (top.verified()) {
            return new Outcome(recorded(rule, tree.top().digest(), top), null);
        }
        failures.addAll(top.failures().stream().map(f -> tree.top().digest().toString().substring(0, 19) + ": " + f).toList());
        if (tree.top().isIndex() && tree.manifests().size() > 1) {
            List<BundleManifest.Verified> all = new ArrayList<>();
            boolean everyChild = true;
            for (Digest child : tree.manifests().keySet().stream().skip(1).toList()) {
                Verdict v = verdict(child, attached, blobs, rule);
                everyChild &= v.verified();
                if (v.verified()) {
                    all.addAll(recorded(rule, child, v).verified());
                } else {
                    failures.addAll(v.failures().stream().map(f -> child.toString().substring(0, 19) + ": " + f).toList());
                }
            }
            if (everyChild) {
                return new Outcome(new BundleManifest.Upstream(rule.match(), "signed", all), null);
            }
        }
        return new Outcome(null, name + ": the policy's rule '" + rule.match() + "' requires a signature, and none verified: "
                + (failures.isEmpty() ? "no signature" : String.join("; ", failures)));
    }

    /** The policy this checks against. */
    public UpstreamPolicy policy() {
        return policy;
    }

    private Verdict verdict(Digest manifest, List<Attached> attached, Function<Descriptor, byte[]> blobs, Rule rule) {
        List<Candidate> candidates = new ArrayList<>();
        for (Attached a : attached) {
            if (!a.subject().equals(manifest)) {
                continue;
            }
            String type = a.tree().top().artifactType();
            if (a.tag() != null && a.tag().endsWith(".sig")) {
                candidates.addAll(Candidates.fromCosignManifest(a.tag(), a.tree().top(), blobs));
            } else if (a.referrer() && COSIGN_SIGNATURE.equals(type)) {
                candidates.addAll(Candidates.fromCosignManifest(null, a.tree().top(), blobs));
            } else if (a.referrer() && isSigstoreBundle(type)) {
                candidates.addAll(Candidates.fromBundleReferrer(a.tree().top(), blobs));
            }
        }
        if (candidates.isEmpty()) {
            return new Verdict(false, List.of(), List.of("no signature"));
        }
        return verifier.verify(manifest, candidates, rule);
    }

    private static boolean isSigstoreBundle(String artifactType) {
        return artifactType != null && artifactType.startsWith("application/vnd.dev.sigstore.bundle");
    }

    private static BundleManifest.Upstream recorded(Rule rule, Digest manifest, Verdict v) {
        return new BundleManifest.Upstream(rule.match(), "signed", v.evidence().stream().map(e -> new BundleManifest.Verified(
                manifest.toString(), e.kind(), e.keySha256(), e.identity(), e.issuer(), e.rekorLogIndex(), e.integratedTime(), e.where()))
                .toList());
    }

    /** For a policy file: the verifier over its trusted root (null where no rule is keyless). */
    public static ImageVerification of(UpstreamPolicy policy) {
        return new ImageVerification(policy, new SignatureVerifier(policy.trustedRoot()));
    }

    private static byte[] read(ImageSource source, Repo repo, Descriptor d) {
        if (d.size() > MAX_SIGNATURE_BYTES) {
            throw AirlockException.untrusted("signature blob " + d.digest() + " is " + d.size() + " bytes, over the "
                    + MAX_SIGNATURE_BYTES + "-byte bound for a signature");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) d.size());
        try {
            source.blob(repo, d).writeTo((buf, offset) -> {
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                out.write(b, 0, b.length);
            });
        } catch (IOException e) {
            throw AirlockException.transientFailure("cannot read signature blob " + d.digest() + " of " + repo + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
