package dev.airlock.imports;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.VerifiedBundle;
import dev.airlock.copy.AttachedSelection;
import dev.airlock.copy.Attached;
import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageTree;
import dev.airlock.report.AttachedSummary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What is attached to one image of a verified bundle, checked before anything is written: each
 * attachment's manifest and blobs are carried (or left to earlier bundles), it attaches to a
 * manifest of the image or to an attachment listed before it, a referrer's own {@code subject}
 * says so too, and its media type is what bundle.json says. Those {@code selection} keeps are
 * returned to be pushed (and what attaches to them); the others are still read and checked byte
 * for byte, and not pushed.
 */
final class AttachmentIntake {
    private AttachmentIntake() {
    }

    /** The bundle's word for a blob it does not hold: carried with a size, required, or neither. */
    interface BlobCheck {
        void check(Descriptor blob, String owner);
    }

    /** Every attachment of the image, checked; and those to push. */
    record Intake(List<Attached> all, List<Attached> kept) {
    }

    static Intake plan(VerifiedBundle bundle, Repo source, BundleManifest.Image image, ImageTree tree,
            AttachedSelection selection, BlobCheck blobs) {
        List<Attached> all = new ArrayList<>();
        List<Attached> kept = new ArrayList<>();
        Set<Digest> subjects = new HashSet<>(tree.manifests().keySet());
        Set<Digest> pushed = new HashSet<>(tree.manifests().keySet());
        for (BundleManifest.Attachment a : image.attached()) {
            String what = bundle.path() + ": " + image.source() + ": attachment " + a.digest();
            Digest subject = Digest.parse(a.subject());
            if (!subjects.contains(subject)) {
                throw AirlockException.malformed(what + " attaches to " + subject + ", which is neither a manifest of the image"
                        + " nor an attachment listed before it");
            }
            ImageTree attached = CopyEngine.walk(bundle, source, a.digest());
            if (!attached.top().mediaType().equals(a.mediaType())) {
                throw AirlockException.malformed(what + " is " + attached.top().mediaType() + ", not " + a.mediaType() + " as bundle.json says");
            }
            if (a.referrer() && !attached.top().subject().map(d -> d.digest().equals(subject)).orElse(false)) {
                throw AirlockException.malformed(what + " is listed as a referrer of " + subject + " but its own subject does not name it");
            }
            attached.blobs().values().forEach(d -> blobs.check(d, image.source()));
            subjects.addAll(attached.manifests().keySet());
            Attached one = new Attached(subject, attached, a.tag(), a.referrer(), AttachedSummary.kind(a));
            all.add(one);
            if (selection.keeps(one.kind()) && pushed.contains(subject)) {
                kept.add(one);
                pushed.addAll(attached.manifests().keySet());
            } else {
                attached.blobs().values().forEach(d -> bundle.checkSkipped(source, d));
            }
        }
        return new Intake(all, kept);
    }
}
