package dev.airlock.export;

import dev.airlock.export.ExportLedger.ImageRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the exporter ledger stores each bundle's images: a delta names every image of its channel,
 * and a channel of a thousand images written daily was half a megabyte more ledger per bundle
 * whether anything changed or not — read whole on every run, until the file passed the bound on
 * state files (64 MiB, some four months) and every export of the channel was refused. A bundle
 * with a parent now stores its images as runs of its parent's ({@link Run}: positions in the
 * parent's list whose records are the same) and, in between, the records that are new or changed.
 * Reading puts them together again: each bundle's images are exactly what they were when written,
 * same records, same order.
 */
final class LedgerImages {
    private LedgerImages() {
    }

    /** The parent's records at positions {@code from} to {@code to} (inclusive), unchanged. */
    record Run(int from, int to) {
    }

    /**
     * {@code images} as runs of {@code parent}'s records and records of their own, or null when
     * that is no shorter than the list itself.
     */
    static List<Object> encode(List<ImageRecord> parent, List<ImageRecord> images) {
        Map<String, Integer> at = new HashMap<>();
        for (int i = parent.size() - 1; i >= 0; i--) {
            at.put(parent.get(i).source(), i);
        }
        List<Object> out = new ArrayList<>();
        int from = -1;
        int to = -1;
        for (ImageRecord r : images) {
            Integer i = at.get(r.source());
            boolean same = i != null && parent.get(i).equals(r);
            if (same && from >= 0 && i == to + 1) {
                to = i;
                continue;
            }
            if (from >= 0) {
                out.add(new Run(from, to));
            }
            from = same ? i : -1;
            to = from;
            if (!same) {
                out.add(r);
            }
        }
        if (from >= 0) {
            out.add(new Run(from, to));
        }
        return out.size() < images.size() ? out : null;
    }

    /** How many records {@link #decode} makes of {@code parts}, counted before any is made. */
    static long length(List<Object> parts) {
        long n = 0;
        for (Object p : parts) {
            n += p instanceof Run run ? run.to() - run.from() + 1L : 1L;
        }
        return n;
    }

    /** The list {@link #encode} said: each run's records taken from {@code parent}, in order. */
    static List<ImageRecord> decode(List<ImageRecord> parent, List<Object> parts) {
        List<ImageRecord> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Run run) {
                out.addAll(parent.subList(run.from(), run.to() + 1));
            } else {
                out.add((ImageRecord) p);
            }
        }
        return out;
    }
}
