package dev.airlock.report;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.Attached;
import dev.airlock.oci.AttachmentKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One line on what hangs off an image, the same in {@code plan}, the approver's report,
 * {@code list} and {@code diff}: "signatures 2, attestations 1 (https://slsa.dev/provenance/v1),
 * SBOM 1 (spdx+json)". Kinds in a fixed order; details (predicate types, SBOM formats, artifact
 * types) each once, in the order met, at most {@link #MAX_DETAILS} per kind. Empty when nothing
 * is attached. Details are the publisher's text: shown without control characters and cut at
 * {@link #MAX_DETAIL} characters, so that a line stays a line on a terminal and in a table.
 */
public final class AttachedSummary {
    /** Distinct details named per kind; the rest are counted ("+3 more"). */
    static final int MAX_DETAILS = 3;
    /** Characters of one detail shown. */
    static final int MAX_DETAIL = 100;

    private AttachedSummary() {
    }

    public static String of(List<AttachmentKind> kinds) {
        Map<AttachmentKind.Type, Integer> counts = counts(kinds);
        List<String> parts = new ArrayList<>();
        counts.forEach((type, n) -> {
            String word = switch (type) {
                case SIGNATURE -> n == 1 ? "signature" : "signatures";
                case ATTESTATION -> n == 1 ? "attestation" : "attestations";
                case SBOM -> "SBOM";
                case OTHER -> "other";
            };
            parts.add(word + " " + n + details(kinds, type));
        });
        return String.join(", ", parts);
    }

    public static String ofAttached(List<Attached> attached) {
        return of(attached.stream().map(Attached::kind).toList());
    }

    public static String ofBundle(List<BundleManifest.Attachment> attached) {
        return of(kinds(attached));
    }

    /** The kind a bundle.json entry records (validated there to be one of the four). */
    public static AttachmentKind kind(BundleManifest.Attachment a) {
        return new AttachmentKind(AttachmentKind.Type.valueOf(a.kind().toUpperCase(Locale.ROOT)), a.detail());
    }

    public static List<AttachmentKind> kinds(List<BundleManifest.Attachment> attached) {
        return attached.stream().map(AttachedSummary::kind).toList();
    }

    /**
     * Counted with an adjective, for what changed: "1 new signature, 2 new attestations
     * (https://slsa.dev/provenance/v1)"; with an empty adjective "1 signature, 1 SBOM (spdx+json)".
     */
    public static String counted(List<AttachmentKind> kinds, String adjective) {
        List<String> parts = new ArrayList<>();
        counts(kinds).forEach((type, n) -> parts.add(n + " " + (adjective.isEmpty() ? "" : adjective + " ") + word(type, n)
                + details(kinds, type)));
        return String.join(", ", parts);
    }

    /**
     * What {@code fresh} attachments of an image not carried before on the channel are, when only
     * their number is known: all of them ("1 new signature, 1 new SBOM (spdx+json)"), some of one
     * kind only ("1 new signature"), or else "2 new attachments". Empty for none.
     */
    public static String fresh(List<AttachmentKind> all, int fresh) {
        if (fresh <= 0) {
            return "";
        }
        if (fresh == all.size()) {
            return counted(all, "new");
        }
        Set<AttachmentKind.Type> types = counts(all).keySet();
        AttachmentKind.Type only = types.size() == 1 ? types.iterator().next() : null;
        return fresh + " new " + (only == null ? (fresh == 1 ? "attachment" : "attachments") : word(only, fresh));
    }

    /**
     * Between two sets of one image's attachments: "1 new signature; 1 SBOM (spdx+json) removed",
     * either part left out when empty; empty when nothing changed.
     */
    public static String change(List<AttachmentKind> added, List<AttachmentKind> removed) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add(counted(added, "new"));
        }
        if (!removed.isEmpty()) {
            parts.add(counted(removed, "") + " removed");
        }
        return String.join("; ", parts);
    }

    /** "signature", "attestations", "SBOM", "other attachments": a kind's noun for {@code n}. */
    public static String word(AttachmentKind.Type type, int n) {
        String one = switch (type) {
            case SIGNATURE -> "signature";
            case ATTESTATION -> "attestation";
            case SBOM -> "SBOM";
            case OTHER -> "other attachment";
        };
        return n == 1 ? one : one + "s";
    }

    /** A publisher's detail as shown: control characters as '?', at most {@link #MAX_DETAIL} characters; null stays null. */
    public static String shown(String detail) {
        if (detail == null) {
            return null;
        }
        String s = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "…" : detail;
        return s.replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}]", "?");
    }

    /** Kinds present, in the fixed order, with their counts. */
    private static Map<AttachmentKind.Type, Integer> counts(List<AttachmentKind> kinds) {
        Map<AttachmentKind.Type, Integer> counts = new EnumMap<>(AttachmentKind.Type.class);
        kinds.forEach(k -> counts.merge(k.type(), 1, Integer::sum));
        return counts;
    }

    /** " (a, b, c, +2 more)" for one kind, or "" (a signature's detail is its tool, not worth a line). */
    private static String details(List<AttachmentKind> kinds, AttachmentKind.Type type) {
        if (type == AttachmentKind.Type.SIGNATURE) {
            return "";
        }
        Set<String> d = new LinkedHashSet<>();
        kinds.stream().filter(k -> k.type() == type && k.detail() != null).forEach(k -> d.add(shown(k.detail())));
        if (d.isEmpty()) {
            return "";
        }
        List<String> named = d.stream().limit(MAX_DETAILS).toList();
        return " (" + String.join(", ", named) + (d.size() > MAX_DETAILS ? ", +" + (d.size() - MAX_DETAILS) + " more" : "") + ")";
    }
}
