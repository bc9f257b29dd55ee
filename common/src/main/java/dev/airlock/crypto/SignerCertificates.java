package dev.airlock.crypto;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The signers' public certificates as a signed JSON document carries them ({@code
 * signerCertificates} in {@code bundle.json} and in receipts): one ASCII-armored certificate per
 * signer, in signing order, so that a side that does not trust a signer can still name it by the
 * primary fingerprint {@code keygen} printed (see {@link CarriedSigners}). Carrying a certificate
 * never makes it trusted.
 *
 * <p>In {@code bundle.json} each entry is padded with spaces after the armor's end line to exactly
 * {@link #WIDTH} bytes of JSON, so that the manifest's size depends on the number of signers alone
 * and {@code plan} still predicts a bundle's exact size without the keys (as {@link SignatureBlock}
 * does for the signature entry). With the two quotes and the {@code ", "} between entries, each
 * signer adds exactly 4096 bytes. {@code gpg --show-keys} and {@link CarriedSigners} ignore the
 * trailing spaces.
 */
public final class SignerCertificates {
    /** The field's name in the JSON documents that carry it. */
    public static final String FIELD = "signerCertificates";
    /** JSON bytes of one padded entry's content (between its quotes). */
    public static final int WIDTH = 4092;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SignerCertificates() {
    }

    /** One entry per signer, each exactly {@link #WIDTH} JSON bytes: for bundle.json. */
    public static List<String> padded(List<BundleSigner> signers) {
        return signers.stream().map(s -> pad(armored(s))).toList();
    }

    /** What {@link #padded} gives for {@code count} signers, in size: for a plan, which reads no key. */
    public static List<String> placeholders(int count) {
        return java.util.Collections.nCopies(count, " ".repeat(WIDTH));
    }

    /** The signer's certificate, armored, unpadded: for receipts, whose size no one predicts. */
    public static String armored(BundleSigner signer) {
        try {
            return new String(OpenPgpKeys.armor(signer.certificate().getEncoded()), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot encode the certificate of " + signer.fingerprint()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code armored} padded with spaces to {@link #WIDTH} JSON bytes; a certificate too large for
     * that (a key with many user IDs) is left out, all spaces, and its signer is named as a bundle
     * without certificates names it.
     */
    static String pad(String armored) {
        int json = jsonLength(armored);
        return json > WIDTH ? " ".repeat(WIDTH) : armored + " ".repeat(WIDTH - json);
    }

    private static int jsonLength(String s) {
        try {
            return JSON.writeValueAsString(s).getBytes(StandardCharsets.UTF_8).length - 2;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
