package dev.airlock.crypto;

import dev.airlock.error.AirlockException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The content of a bundle's signature entry ({@code airlock/bundle.json.asc}): one ASCII-armored
 * block holding one detached signature packet per signer, followed by newlines up to exactly
 * {@link #BYTES_PER_SIGNER} bytes per signer.
 *
 * <p>Why padded: the entry's size must depend on nothing but the number of signers, so that
 * {@code plan} can predict a bundle's exact size without the keys. An EdDSA signature's encoding
 * does not have a fixed length (its two numbers are OpenPGP MPIs, which drop leading zero bytes),
 * so neither has the armored text. Trailing whitespace after an armored block is ignored by
 * {@code gpg --verify}, Sequoia's {@code sqv} and {@link TrustPolicy}. One block for all signers
 * (not one block each) because {@code sqv} reads only the first armored block of a file.
 */
public final class SignatureBlock {
    /**
     * The bytes each signer's share of the entry takes. An armored Ed25519 signature made by
     * {@link BundleSigner} takes at most 228 bytes alone and about 162 more for each further
     * signature in the same block; the rest is room for larger subpacket areas or an armor header.
     */
    public static final int BYTES_PER_SIGNER = 512;

    private SignatureBlock() {
    }

    /** The exact size of the entry for {@code signers} signatures. */
    public static long size(int signers) {
        if (signers < 1) {
            throw new IllegalArgumentException("a bundle has at least one signer, not " + signers);
        }
        return (long) signers * BYTES_PER_SIGNER;
    }

    /** Signs {@code data} with every signer, in order; the result is exactly {@link #size}{@code (signers.size())} bytes. */
    public static byte[] sign(byte[] data, List<BundleSigner> signers) {
        return encode(signers.stream().map(s -> s.signPacket(data)).toList());
    }

    /**
     * The signatures of a file of its own (a volume list's {@code .asc}), each naming the sha256 of
     * {@code data} ({@link BundleSigner#signPacketNaming}), armored as one block; not padded, as no
     * slot in a bundle holds them.
     */
    public static byte[] signNaming(byte[] data, List<BundleSigner> signers) {
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        signers.forEach(s -> binary.writeBytes(s.signPacketNaming(data)));
        try {
            return OpenPgpKeys.armor(binary.toByteArray());
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot armor the signatures: " + e.getMessage(), e);
        }
    }

    /** Armors the binary signature packets as one block and pads it with newlines. */
    static byte[] encode(List<byte[]> packets) {
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        packets.forEach(binary::writeBytes);
        byte[] armored;
        try {
            armored = OpenPgpKeys.armor(binary.toByteArray());
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot armor the signatures: " + e.getMessage(), e);
        }
        long size = size(packets.size());
        if (armored.length > size) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, packets.size() + " armored signature(s) take " + armored.length
                    + " bytes, more than the bundle format's " + BYTES_PER_SIGNER + " per signer (" + size + ")");
        }
        byte[] padded = Arrays.copyOf(armored, (int) size);
        Arrays.fill(padded, armored.length, padded.length, (byte) '\n');
        return padded;
    }
}
