package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.digest.Digest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Plain progress is never silent while a transfer waits: a line every interval says nothing moved. */
class PlainProgressTest {
    @Test
    void aStalledTransfer_stillGetsALineEveryInterval_sayingHowLongNothingMoved() throws Exception {
        StringWriter out = new StringWriter();
        PlainProgress p = new PlainProgress(new PrintWriter(out), 200);
        Digest d = Digest.sha256Of(new byte[] {1});
        p.planned("importing", 1000, 1);
        p.started(d, 1000);
        p.progressed(d, 100);
        Thread.sleep(2600); // nothing moves
        String stalled = out.toString();
        long lines = stalled.lines().count();
        assertTrue(lines >= 5, "a line every 200 ms while stalled, got:\n" + stalled);
        assertTrue(stalled.contains("no byte moved for 2 s"), stalled);
        p.progressed(d, 900);
        p.finished(d);
        p.done();
        String all = out.toString();
        String last = all.lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.contains("1000 B of 1000 B (100%)") && !last.contains("no byte moved"), last);
        Thread.sleep(500);
        assertTrue(out.toString().equals(all), "no line after done:\n" + out);
    }

    @Test
    void aFailedRun_abandoned_printsNothingMore_andItsTickerEnds() throws Exception {
        StringWriter out = new StringWriter();
        PlainProgress p = new PlainProgress(new PrintWriter(out), 100);
        Digest d = Digest.sha256Of(new byte[] {1});
        p.planned("importing", 1000, 1);
        p.started(d, 1000);
        Thread.sleep(350);
        assertTrue(out.toString().contains("no byte moved") || out.toString().contains("importing 0 B"), out.toString());
        p.abandoned(); // the import failed: no done()
        Thread.sleep(150); // a tick in flight may still land
        String after = out.toString();
        Thread.sleep(600);
        assertTrue(out.toString().equals(after), "no line after abandoned (a watcher would print these forever):\n" + out);
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("airlock-progress") && t.isAlive()),
                "the ticker thread ended");
        p.abandoned(); // twice: nothing
        assertTrue(out.toString().equals(after));
    }
}
