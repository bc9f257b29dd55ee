package dev.airlock.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.oci.AttachmentKind;
import dev.airlock.oci.AttachmentKind.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The words for what of an image's attachments is new or gone (report, diff). */
class AttachedSummaryWordsTest {
    private static final AttachmentKind SIG = new AttachmentKind(Type.SIGNATURE, "cosign");
    private static final AttachmentKind SLSA = new AttachmentKind(Type.ATTESTATION, "https://slsa.dev/provenance/v1");
    private static final AttachmentKind SPDX = new AttachmentKind(Type.SBOM, "spdx+json");

    @Test
    void counted_putsTheNumberFirst_withTheAdjective() {
        assertEquals("2 new signatures, 1 new attestation (https://slsa.dev/provenance/v1), 1 new SBOM (spdx+json)",
                AttachedSummary.counted(List.of(SIG, SPDX, SLSA, SIG), "new"));
        assertEquals("1 signature, 2 other attachments", AttachedSummary.counted(List.of(SIG, new AttachmentKind(Type.OTHER, null),
                new AttachmentKind(Type.OTHER, null)), ""));
    }

    @Test
    void fresh_namesTheKindsWhenOnlyTheCountIsKnownAndTheyFollowFromIt() {
        assertEquals("", AttachedSummary.fresh(List.of(SIG), 0));
        assertEquals("1 new signature, 1 new SBOM (spdx+json)", AttachedSummary.fresh(List.of(SIG, SPDX), 2), "all are new");
        assertEquals("1 new signature", AttachedSummary.fresh(List.of(SIG, SIG, SIG), 1), "one kind only");
        assertEquals("1 new attachment", AttachedSummary.fresh(List.of(SIG, SPDX), 1), "which one is not known");
        assertEquals("2 new attachments", AttachedSummary.fresh(List.of(SIG, SPDX, SLSA), 2));
    }

    @Test
    void change_saysWhatIsNewAndWhatIsGone() {
        assertEquals("1 new signature; 1 SBOM (spdx+json) removed", AttachedSummary.change(List.of(SIG), List.of(SPDX)));
        assertEquals("1 attestation (https://slsa.dev/provenance/v1) removed", AttachedSummary.change(List.of(), List.of(SLSA)));
        assertEquals("", AttachedSummary.change(List.of(), List.of()));
    }
}
