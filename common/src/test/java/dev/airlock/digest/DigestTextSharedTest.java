package dev.airlock.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.airlock.bundle.BundleManifest;
import org.junit.jupiter.api.Test;

/**
 * A catalog's run names each digest many times over (each manifest that lists a layer, bundle.json's
 * blob and image lists, the ledger): the text of equal digests is one string, however each copy was
 * read, so the heap holds it once (issue 21: 11,300 strings fewer at 2,000 images on import).
 */
class DigestTextSharedTest {
    private static final String TEXT = "sha256:" + "ab".repeat(32);

    @Test
    void equalDigestsParsedFromDistinctStrings_shareOneText() {
        Digest a = Digest.parse(new String(TEXT.toCharArray()));
        Digest b = Digest.parse(new String(TEXT.toCharArray()));
        assertEquals(a, b);
        assertSame(a.toString(), b.toString());
    }

    @Test
    void bundleJsonsBlobAndImageDigests_areTheSameStringAsTheParsedDigest() {
        String parsed = Digest.parse(new String(TEXT.toCharArray())).toString();
        assertSame(parsed, new BundleManifest.Blob(new String(TEXT.toCharArray()), 1, "application/octet-stream").digest());
        assertSame(parsed, new BundleManifest.Image("r/x:1", "r", "x", "1", new String(TEXT.toCharArray()),
                "application/vnd.oci.image.manifest.v1+json").digest());
    }
}
