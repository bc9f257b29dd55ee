package dev.airlock.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bound on a volume list (issue 17, defect 5): at most 50,000 volumes, and every list the
 * exporter may write — that many, under the longest bundle name — fits the size the importer reads.
 */
class VolumeListTest {
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    private static VolumeList list(String bundle, int n) {
        List<VolumeList.Volume> volumes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            volumes.add(new VolumeList.Volume(VolumeList.volumeName(bundle, i, n), 1_000_000, DIGEST));
        }
        return new VolumeList(VolumeList.FORMAT, "daily", 1, bundle, DIGEST, 1_000_000L * n, 1_000_000, volumes);
    }

    @Test
    void fiftyThousandVolumes_underTheLongestName_fitTheBound_andOneMoreIsRefused() {
        byte[] json = list("a".repeat(201) + ".tar", 50_000).toJson();
        assertTrue(json.length < VolumeList.MAX_BYTES, json.length + " bytes, bound " + VolumeList.MAX_BYTES);
        assertEquals(50_000, VolumeList.parse(json, "x").volumes().size());

        byte[] more = list("b.tar", 50_001).toJson();
        AirlockException e = assertThrows(AirlockException.class, () -> VolumeList.parse(more, "b.volumes.json"));
        assertEquals("the volume list b.volumes.json lists 50001 volumes, more than the 50000 a set may have", e.getMessage());
    }
}
