package dev.airlock.export;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import dev.airlock.io.ChannelLock;
import dev.airlock.receipt.Receipt;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Applies a verified receipt to the exporter's ledger. */
public final class ReceiptService {

    public Receipt apply(Path file, TrustPolicy trust, Path stateDir) {
        Receipt r = Receipt.readVerified(file, trust);
        if (!BundleManifest.CHANNEL.matcher(r.channel()).matches()) {
            throw AirlockException.malformed("receipt " + file + " names an invalid channel '" + r.channel() + "'");
        }
        try (ChannelLock lock = ChannelLock.acquire(stateDir, r.channel(), "airlock-export")) {
            ExportLedger ledger = ExportLedger.load(stateDir, r.channel());
            ExportLedger.Entry bundle = ledger.find(r.sequence()).orElseThrow(() -> AirlockException.chain("receipt " + file
                    + " says the offline side is at bundle " + r.sequence() + " of channel '" + r.channel()
                    + "', which this exporter (state " + stateDir + ") never wrote; write a --full bundle instead"));
            if (!bundle.digest().equals(r.digest())) {
                throw AirlockException.chain("receipt " + file + " names bundle " + r.sequence() + " as " + r.digest()
                        + " but this exporter wrote " + bundle.digest() + " as bundle " + r.sequence()
                        + "; the two sides disagree, write a --full bundle");
            }
            ledger.applyReceipt(new ExportLedger.Receipt(r.sequence(), r.digest(), r.blobs(), r.created(),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
        }
        return r;
    }
}
