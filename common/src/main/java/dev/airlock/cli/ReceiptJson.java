package dev.airlock.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.receipt.Receipt;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code receipt --json} of both programs ({@code airlock-receipt/v1}): what the receipt records,
 * under the receipt file's own names ({@code channel}, {@code sequence}, {@code digest} of the last
 * bundle applied, {@code created}, {@code images}), with its blob list as a count
 * ({@code blobs.present}: the blobs the receipt shows in place on the target), and what the
 * command did with it ({@code action}: "written" by airlock-import, "applied" by airlock-export,
 * which re-baselined the channel at {@code receipt.sequence}).
 */
public final class ReceiptJson {
    private ReceiptJson() {
    }

    /** {@code signers}: the receipt's signing keys (airlock-import: the key it signed with); null: not printed. */
    public static ObjectNode of(Receipt r, Path file, List<String> signers, String action) {
        ObjectNode o = JsonOutput.object(JsonOutput.RECEIPT);
        o.put("action", action);
        ObjectNode receipt = o.putObject("receipt");
        receipt.put("path", file.toString());
        receipt.put("signature", Receipt.signatureFile(file).toString());
        receipt.put("channel", r.channel());
        receipt.put("sequence", r.sequence());
        receipt.put("digest", r.digest());
        receipt.put("created", r.created());
        if (signers != null) {
            o.set("signers", JsonOutput.MAPPER.valueToTree(signers));
        }
        ArrayNode images = o.putArray("images");
        for (Receipt.Image i : r.images()) {
            images.addObject().put("source", i.source()).put("target", i.target()).put("digest", i.digest());
        }
        o.putObject("blobs").put("present", r.blobs().size());
        return o;
    }
}
