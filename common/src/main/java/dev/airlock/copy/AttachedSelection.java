package dev.airlock.copy;

import dev.airlock.error.AirlockException;
import dev.airlock.oci.AttachmentKind;
import java.util.Locale;

/** Which attachments cross with their images ({@code --attached}, config {@code attached:}). */
public enum AttachedSelection {
    /** Every signature, attestation, SBOM and other referrer. */
    ALL,
    /** Signatures only: cosign {@code .sig} tags and referrers of a signature type (cosign, Sigstore bundle, Notary v2). */
    SIGNATURES,
    /** Nothing attached: the images alone, as bundles were before attachments crossed. */
    NONE;

    public boolean keeps(AttachmentKind kind) {
        return this == ALL || this == SIGNATURES && kind.type() == AttachmentKind.Type.SIGNATURE;
    }

    /** {@code all}, {@code signatures} or {@code none}; anything else is a usage error naming {@code where}. */
    public static AttachedSelection parse(String text, String where) {
        if (text == null) {
            return ALL;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AirlockException.usage(where + ": '" + text + "' is not one of all, signatures, none");
        }
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
