package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The progress line counts bytes across blobs: one large blob streaming slowly moves the percentage, the rate and the time left. */
class ProgressLineTest {
    private static final long MIB = 1 << 20;

    @Test
    void format_ratePercentAndTimeLeft_comeFromBytes() {
        assertEquals("importing 12.0 MiB of 48.0 MiB (25%), 1/3 blobs, 4.0 MiB/s, 9.0 s left",
                ProgressLine.format("importing", 12 * MIB, 48 * MIB, 1, 3, 3_000_000_000L, false));
        assertEquals("importing 0 B of 48.0 MiB (0%), 0/3 blobs, 0 B/s, time left unknown",
                ProgressLine.format("importing", 0, 48 * MIB, 0, 3, 3_000_000_000L, false));
        assertEquals("exporting 48.0 MiB of 48.0 MiB (100%), 3/3 blobs, 16.0 MiB/s, in 3.0 s",
                ProgressLine.format("exporting", 48 * MIB, 48 * MIB, 3, 3, 3_000_000_000L, true));
        assertEquals("exporting 1.0 GiB of 2.0 GiB (50%), 0/1 blobs, 1.1 MiB/s, 15 min 31 s left",
                ProgressLine.format("exporting", 1024 * MIB, 2048 * MIB, 0, 1, 931_000_000_000L, false));
    }

    @Test
    void plain_oneLargeBlobStreamingSlowly_showsGrowingPercentages_beforeItEnds() throws Exception {
        StringWriter out = new StringWriter();
        PlainProgress p = new PlainProgress(new PrintWriter(out), 100);
        Digest d = Digest.sha256Of(new byte[] {2});
        p.planned("importing", 4 * MIB, 1);
        p.started(d, 4 * MIB);
        for (int i = 0; i < 8; i++) {
            p.progressed(d, MIB / 2);
            Thread.sleep(150);
        }
        p.finished(d);
        p.done();
        List<Integer> percents = new ArrayList<>();
        Matcher m = Pattern.compile("\\((\\d+)%\\)").matcher(out.toString());
        while (m.find()) {
            percents.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(percents.stream().filter(x -> x > 0 && x < 100).distinct().count() >= 3, "growing percentages:\n" + out);
        for (int i = 1; i < percents.size(); i++) {
            assertTrue(percents.get(i) >= percents.get(i - 1), "never going back:\n" + out);
        }
        String all = out.toString();
        assertTrue(all.lines().filter(l -> !l.contains("(100%)")).allMatch(l -> l.contains(" s left")), all);
        assertTrue(all.lines().reduce((a, b) -> b).orElseThrow().contains("4.0 MiB of 4.0 MiB (100%), 1/1 blobs"), all);
    }

    @Test
    void plain_countsEachPhaseFromZero() {
        StringWriter out = new StringWriter();
        PlainProgress p = new PlainProgress(new PrintWriter(out), 60_000);
        Digest d = Digest.sha256Of(new byte[] {3});
        p.planned("verifying", 100, 1);
        p.progressed(d, 100);
        p.finished(d);
        p.done();
        p.planned("writing docker archive", 200, 1);
        p.progressed(d, 50);
        p.done();
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith("verifying 100 B of 100 B (100%), 1/1 blobs"), lines.get(0));
        assertTrue(lines.get(1).startsWith("writing docker archive 50 B of 200 B (25%), 0/1 blobs"), lines.get(1));
    }

    @Test
    void bar_redrawsOneLineInPlace_andEndsItWithANewline() throws Exception {
        StringWriter out = new StringWriter();
        BarProgress b = new BarProgress(new PrintWriter(out));
        Digest d = Digest.sha256Of(new byte[] {4});
        b.planned("exporting", 4 * MIB, 1);
        b.progressed(d, MIB);
        Thread.sleep(450);
        b.progressed(d, 3 * MIB);
        b.finished(d);
        b.done();
        String s = out.toString();
        assertTrue(s.contains("\r[=====               ] exporting 1.0 MiB of 4.0 MiB (25%), 0/1 blobs"), s);
        assertTrue(s.endsWith("\n") && s.substring(s.lastIndexOf('\r')).startsWith("\r[====================] exporting 4.0 MiB of 4.0 MiB (100%), 1/1 blobs"), s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line, redrawn: " + s);
    }
}
