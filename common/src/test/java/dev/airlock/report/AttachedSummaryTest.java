package dev.airlock.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.airlock.oci.AttachmentKind;
import dev.airlock.oci.AttachmentKind.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one line on what hangs off an image, whatever the publisher wrote into its details. */
class AttachedSummaryTest {
    @Test
    void of_aPublishersDetailWithControlCharacters_staysOneLine_andALongOneIsCut() {
        String hostile = "text/x\u001b[2J\nspoofed: signatures 99";
        assertEquals("other 1 (text/x?[2J?spoofed: signatures 99)", AttachedSummary.of(List.of(new AttachmentKind(Type.OTHER, hostile))));
        String line = AttachedSummary.of(List.of(new AttachmentKind(Type.OTHER, "a".repeat(5000))));
        assertEquals("other 1 (" + "a".repeat(100) + "…)", line);
    }

    @Test
    void of_manyDistinctDetails_namesThreeAndCountsTheRest() {
        List<AttachmentKind> kinds = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            kinds.add(new AttachmentKind(Type.OTHER, "application/vnd.example.t" + i));
        }
        assertEquals("other 40 (application/vnd.example.t0, application/vnd.example.t1, application/vnd.example.t2, +37 more)",
                AttachedSummary.of(kinds));
    }
}
