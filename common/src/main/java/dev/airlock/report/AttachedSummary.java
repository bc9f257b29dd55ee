package dev.airlock.report;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.Attached;
import dev.airlock.oci.AttachmentKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One line on what hangs off an image, the same in {@code plan}, the approver's report,
 * {@code list} and {@code diff}: "signatures 2, attestations 1 (https://slsa.dev/provenance/v1),
 * SBOM 1 (spdx+json)". Kinds in a fixed order; details (predicate types, SBOM formats, artifact
 * types) each once, in the order met. Empty when nothing is attached.
 */
public final class AttachedSummary {
    private AttachedSummary() {
    }

    public static String of(List<AttachmentKind> kinds) {
        Map<AttachmentKind.Type, Integer> counts = new LinkedHashMap<>();
        Map<AttachmentKind.Type, Set<String>> details = new LinkedHashMap<>();
        for (AttachmentKind.Type t : AttachmentKind.Type.values()) {
            counts.put(t, 0);
            details.put(t, new LinkedHashSet<>());
        }
        for (AttachmentKind k : kinds) {
            counts.merge(k.type(), 1, Integer::sum);
            if (k.detail() != null && k.type() != AttachmentKind.Type.SIGNATURE) {
                details.get(k.type()).add(k.detail());
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((type, n) -> {
            if (n > 0) {
                String word = switch (type) {
                    case SIGNATURE -> n == 1 ? "signature" : "signatures";
                    case ATTESTATION -> n == 1 ? "attestation" : "attestations";
                    case SBOM -> "SBOM";
                    case OTHER -> "other";
                };
                Set<String> d = details.get(type);
                parts.add(word + " " + n + (d.isEmpty() ? "" : " (" + String.join(", ", d) + ")"));
            }
        });
        return String.join(", ", parts);
    }

    public static String ofAttached(List<Attached> attached) {
        return of(attached.stream().map(Attached::kind).toList());
    }

    public static String ofBundle(List<BundleManifest.Attachment> attached) {
        return of(attached.stream().map(AttachedSummary::kind).toList());
    }

    /** The kind a bundle.json entry records (validated there to be one of the four). */
    public static AttachmentKind kind(BundleManifest.Attachment a) {
        return new AttachmentKind(AttachmentKind.Type.valueOf(a.kind().toUpperCase(Locale.ROOT)), a.detail());
    }
}
