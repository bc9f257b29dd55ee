package dev.airlock.receipt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.OutputFiles;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What an offline side holds on one channel, signed by the importer's key and carried back by
 * hand: {@code FILE} (this JSON) and {@code FILE.asc} (a detached signature, so {@code gpg --verify
 * FILE.asc FILE} works too). It replaces the missing return channel.
 */
public record Receipt(String format, String channel, long sequence, String digest, String created, List<Image> images,
        List<String> blobs, @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
        List<String> signerCertificates) {

    public static final String FORMAT = "airlock-receipt/v1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * {@code signerCertificates}: the signer's armored public certificate
     * ({@link dev.airlock.crypto.SignerCertificates}), only so that an exporter that does not trust
     * the signer names it by its primary fingerprint; optional, and read past by older exporters.
     */
    public Receipt {
        signerCertificates = signerCertificates == null ? List.of() : List.copyOf(signerCertificates);
    }

    /** A receipt carrying no certificate. */
    public Receipt(String format, String channel, long sequence, String digest, String created, List<Image> images, List<String> blobs) {
        this(format, channel, sequence, digest, created, images, blobs, List.of());
    }

    /** An image in place: where it landed, where it came from, its manifest digest. */
    public record Image(String target, String source, String digest) {
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path signatureFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".asc");
    }

    /** Writes FILE and FILE.asc, each atomically, through {@link OutputFiles} (missing directories are created). */
    public void write(Path file, byte[] signature) throws IOException {
        byte[] json = toJson();
        OutputFiles.write("receipt --out", signatureFile(file), OutputFiles.Parents.CREATE, signature, false);
        OutputFiles.write("receipt --out", file, OutputFiles.Parents.CREATE, json, false);
    }

    /** Reads FILE, checks FILE.asc against {@code trust}, and only then parses it. */
    public static Receipt readVerified(Path file, TrustPolicy trust) {
        byte[] json;
        byte[] sig;
        try {
            json = BoundedFiles.read(file, BoundedFiles.RECEIPT);
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("receipt " + file + " does not exist");
        }
        try {
            sig = BoundedFiles.read(signatureFile(file), BoundedFiles.SIGNATURE);
        } catch (NoSuchFileException e) {
            throw AirlockException.untrusted("receipt " + file + " has no signature file " + signatureFile(file));
        }
        trust.verify(json, sig, file.getFileName().toString(), () -> dev.airlock.crypto.CarriedSigners.fromJson(json));
        Receipt r;
        try {
            r = JSON.readValue(json, Receipt.class);
        } catch (IOException e) {
            throw AirlockException.malformed("receipt " + file + " is not valid: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!FORMAT.equals(r.format()) || r.channel() == null || r.digest() == null || r.blobs() == null || r.images() == null) {
            throw AirlockException.malformed("receipt " + file + " is not an " + FORMAT + " document");
        }
        Digest.parse(r.digest());
        r.blobs().forEach(Digest::parse);
        return r;
    }
}
