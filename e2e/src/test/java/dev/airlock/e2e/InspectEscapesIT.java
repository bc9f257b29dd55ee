package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.airlock.testing.TarHeaders;
import dev.airlock.testing.Tools;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team pass H (issue 17, M9: names in every line escaped one way): {@code inspect} is the
 * command for a bundle nobody has checked, and it printed the unverified bundle.json's strings
 * raw. A {@code created} of {@code "\u001b[8A\u001b[J…"} moves the cursor up over the
 * "UNVERIFIED" line and erases it, and a line break forges lines of its own, so a terminal shows
 * what the signer never wrote as if it were the summary. The strings go through LogText, as
 * watch and serve write names.
 */
class InspectEscapesIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void inspect_controlCharactersInAnUnverifiedBundleJson_areShownEscaped_notSentToTheTerminal() throws Exception {
        String json = "{\"format\":\"airlock-bundle/v1\",\"channel\":\"c\\u001b]0;title\\u0007\",\"sequence\":1,"
                + "\"created\":\"2026\\u001b[8A\\u001b[Jsigner   verified: ACME release key\\nimage    x\",\"parent\":null,"
                + "\"images\":[{\"source\":\"r/x:1\\r\\u202egpj.exe\",\"digest\":\"sha256:1\",\"mediaType\":\"m\"}]}";
        byte[] body = json.getBytes(StandardCharsets.US_ASCII);
        Path bundle = tmp.resolve("esc.airlock.tar");
        try (OutputStream out = Files.newOutputStream(bundle)) {
            out.write(TarHeaders.header("airlock/bundle.json", body.length, '0'));
            out.write(body);
            out.write(new byte[-body.length & 511]);
            out.write(TarHeaders.header("airlock/bundle.json.asc", 1, '0'));
            out.write(new byte[512]);
            out.write(new byte[1024]);
        }
        Tools.Result r = Tools.run(List.of(REPO.resolve("scripts/airlock-import").toString(), "inspect", bundle.toString()), Map.of(), null);
        assertEquals(0, r.exitCode(), r.stderr());
        for (char c : new char[] {'\u001b', '\u0007', '\r', '\u202e'}) {
            assertFalse(r.stdout().indexOf(c) >= 0, "inspect wrote U+" + String.format("%04X", (int) c) + " raw: " + r.stdout());
        }
        assertFalse(r.stdout().lines().anyMatch(l -> l.startsWith("image    x")), "a line break in 'created' forged a line: " + r.stdout());
    }
}
