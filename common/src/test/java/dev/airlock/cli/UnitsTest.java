package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sizes as admins write them for media: decimal K/M/G/T as on the label, binary with an i. */
class UnitsTest {
    @Test
    void size_decimalWithoutI_binaryWithI_plainBytes() {
        assertEquals(4_000_000_000L, Units.size("4G"));
        assertEquals(4_000_000_000L, Units.size("4GB"));
        assertEquals(4_700_000_000L, Units.size("4700M"));
        assertEquals(4_700_000_000L, Units.size("4.7G"));
        assertEquals(1_000_000L, Units.size("1M"));
        assertEquals(512_000L, Units.size("512k"));
        assertEquals(64L << 20, Units.size("64MiB"));
        assertEquals(64L << 20, Units.size("64Mi"));
        assertEquals(4L << 30, Units.size("4GiB"));
        assertEquals(1L << 40, Units.size("1TiB"));
        assertEquals(1_048_576L, Units.size("1048576"));
        assertEquals(100L, Units.size("100B"));
    }

    @Test
    void size_4G_fitsAFat32File_and4700M_aSingleLayerDvd() {
        assertTrue(Units.size("4G") <= (4L << 30) - 1, "FAT32 holds files of at most 4 GiB - 1 byte");
        assertTrue(Units.size("4700M") <= 4_707_319_808L, "a single-layer DVD holds 4,707,319,808 bytes");
    }

    @Test
    void size_refusesWhatIsNotASize() {
        for (String bad : new String[] {"", "0", "-1", "4X", "G", "4 GiBs", "1.5", "1.5B", "99999999999999999T"}) {
            assertThrows(IllegalArgumentException.class, () -> Units.size(bad), bad);
        }
    }
}
