package dev.airlock.imports;

import dev.airlock.crypto.BundleSigner;
import dev.airlock.error.AirlockException;
import dev.airlock.receipt.Receipt;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Writes a signed receipt of what this side holds on a channel in one target, from the importer's ledger. */
public final class ReceiptWriter {

    /**
     * @param target the target to report on; null for the only one that holds the channel (refused,
     *               naming the targets, when there are several)
     */
    public Receipt write(Path stateDir, String channel, TargetNaming target, BundleSigner signer, Path out) {
        ImportLedger ledger = target != null ? ImportLedger.load(stateDir, channel, target) : ImportLedger.loadOnly(stateDir, channel);
        ImportLedger.Applied last = ledger.last().orElseThrow(() -> AirlockException.usage("no bundle of channel '" + channel
                + "' has been applied to target " + ledger.target() + " here (" + ledger.file() + "); nothing to report"
                + (ledger.knownTargets().isEmpty() ? "" : ". The channel is held for: " + String.join(", ", ledger.knownTargets()))));
        List<Receipt.Image> images = new ArrayList<>();
        for (ImportLedger.Placed p : ledger.inPlace()) {
            images.add(new Receipt.Image(p.target() + (p.tag() != null ? ":" + p.tag() : ""), p.source(), p.digest()));
        }
        Receipt r = new Receipt(Receipt.FORMAT, channel, last.sequence(), last.digest(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), images, List.copyOf(ledger.blobsInPlace()),
                List.of(dev.airlock.crypto.SignerCertificates.armored(signer)));
        try {
            if (out.toAbsolutePath().getParent() != null) {
                java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
            }
            r.write(out, signer.sign(r.toJson()));
        } catch (IOException e) {
            throw AirlockException.local("cannot write receipt " + out + ": " + e.getMessage(), e);
        }
        return r;
    }
}
