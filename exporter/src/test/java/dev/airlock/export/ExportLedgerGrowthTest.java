package dev.airlock.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delta names every image of its channel, and the ledger kept each bundle's whole list: a channel
 * of 1,000 images written daily grew the file by half a megabyte a bundle, changed or not, read
 * whole on every run, until it passed the 64 MiB bound on state files (some 130 bundles) and every
 * export of the channel was refused. Bundles now store how their images differ from their parent's,
 * and every bundle reads back exactly as written.
 */
class ExportLedgerGrowthTest {
    @TempDir
    Path state;

    private static String d(Random r) {
        StringBuilder s = new StringBuilder("sha256:");
        for (int i = 0; i < 64; i++) {
            s.append(Character.forDigit(r.nextInt(16), 16));
        }
        return s.toString();
    }

    private static ExportLedger.ImageRecord image(int i, Random r) {
        return new ExportLedger.ImageRecord("src:5000/catalog/img" + i + ":1", d(r), List.of(d(r), d(r), d(r)),
                r.nextInt(4) == 0 ? List.of(d(r)) : List.of());
    }

    /** Writes one bundle through the ledger's own steps (pending, then committed), as an export does. */
    private static void write(ExportLedger l, long seq, Long parent, List<ExportLedger.ImageRecord> images, List<String> carried) {
        ExportLedger.Entry e = new ExportLedger.Entry(seq, "sha256:" + String.format("%064x", seq), parent,
                "c-" + seq + ".airlock.tar", "2026-12-07T00:00:00Z", images, carried, null);
        l.markPending(e, Path.of("/nonexistent/.c-" + seq + ".partial"));
        l.commitPending();
    }

    @Test
    void aThousandImagesDailyFor300Days_staysSmall_andLoads() throws Exception {
        Random r = new Random(7);
        List<ExportLedger.ImageRecord> images = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            images.add(image(i, r));
        }
        ExportLedger l = ExportLedger.load(state, "c");
        write(l, 1, null, images, List.of(d(r)));
        for (long seq = 2; seq <= 300; seq++) {
            images.set(r.nextInt(images.size()), image(r.nextInt(1000) + 1000 * (int) seq, r)); // one image replaced a day
            write(l, seq, seq - 1, new ArrayList<>(images), List.of(d(r), d(r)));
        }
        long size = Files.size(l.file());
        assertTrue(size < 2_000_000, "300 bundles of 1,000 images (one changed a day): the ledger is " + size + " bytes");
        ExportLedger again = ExportLedger.load(state, "c");
        assertEquals(images, again.head().orElseThrow().images());
        assertEquals(l.imagesAt(300), again.imagesAt(300));
        assertEquals(l.presentAt(300), again.presentAt(300));
    }

    @Test
    void everyBundle_readsBackAsWritten_throughChangesRemovalsAdditionsBranchesAndReceipts() {
        Random r = new Random(11);
        List<List<ExportLedger.ImageRecord>> written = new ArrayList<>();
        written.add(null);
        List<ExportLedger.ImageRecord> images = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            images.add(image(i, r));
        }
        ExportLedger l = ExportLedger.load(state, "c");
        for (long seq = 1; seq <= 120; seq++) {
            int op = r.nextInt(6);
            if (op == 0 && images.size() > 2) {
                images.remove(r.nextInt(images.size()));
            } else if (op == 1) {
                images.add(r.nextInt(images.size() + 1), image(1000 + (int) seq, r)); // inserted anywhere
            } else if (op == 2) {
                int at = r.nextInt(images.size());
                ExportLedger.ImageRecord was = images.get(at);
                images.set(at, new ExportLedger.ImageRecord(was.source(), d(r), List.of(d(r)), List.of())); // a new digest under the same name
            } else if (op == 3) {
                images.add(images.get(r.nextInt(images.size()))); // one source named twice
            }
            Long parent = seq == 1 || r.nextInt(15) == 0 ? null : (r.nextInt(5) == 0 ? Long.valueOf(1 + r.nextInt((int) seq - 1)) : seq - 1);
            write(l, seq, parent, new ArrayList<>(images), List.of(d(r)));
            written.add(new ArrayList<>(images));
            if (r.nextInt(10) == 0) {
                l.applyReceipt(new ExportLedger.Receipt(seq, "sha256:" + String.format("%064x", seq), List.of(d(r)), null, null));
            }
        }
        ExportLedger again = ExportLedger.load(state, "c");
        for (long seq = 1; seq <= 120; seq++) {
            assertEquals(written.get((int) seq), again.find(seq).orElseThrow().images(), "bundle " + seq);
            assertEquals(l.find(seq), again.find(seq), "bundle " + seq);
            assertEquals(l.presentAt(seq), again.presentAt(seq), "present at " + seq);
            assertEquals(l.imagesAt(seq), again.imagesAt(seq), "images at " + seq);
            assertEquals(l.attachedAt(seq), again.attachedAt(seq), "attached at " + seq);
        }
        assertEquals(l.head(), again.head());
    }
}
