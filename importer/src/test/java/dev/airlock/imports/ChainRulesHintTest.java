package dev.airlock.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.bundle.BundleManifest;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delta refused for a missing parent names the --map rules that differ from those of a target
 * (same registry and prefix) whose chain holds that parent: the chain of a target is keyed by its
 * rules, so importing with other rules, or without --preset gitlab-secure, starts another chain.
 */
class ChainRulesHintTest {
    private static final String SEMGREP = "registry.gitlab.com/security-products/semgrep:5";

    @TempDir
    Path state;

    private static String d(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    private static TargetNaming target(String registry, String... maps) {
        return new TargetNaming(registry, List.of(maps).stream().map(TargetNaming.Mapping::parse).toList());
    }

    private static BundleManifest delta(String channel, long sequence, char parent) {
        BundleManifest.Image semgrep = new BundleManifest.Image(SEMGREP, "registry.gitlab.com", "security-products/semgrep", "5", d('a'),
                "application/vnd.oci.image.manifest.v1+json");
        return new BundleManifest(BundleManifest.FORMAT, channel, sequence, new BundleManifest.Parent(sequence - 1, d(parent)),
                "2026-12-07T09:00:00Z", "test", new BundleManifest.Layout(new BundleManifest.FileRef(d('e'), 1),
                        new BundleManifest.FileRef(d('e'), 1)), List.of(semgrep), List.of(), List.of());
    }

    private void record(String channel, TargetNaming target, long sequence, char digest, String placedAt) {
        ImportLedger.load(state, channel, target).record(new ImportLedger.Applied(sequence, d(digest), sequence == 1 ? null : sequence - 1,
                "2026-12-07T08:00:00Z", List.of(new ImportLedger.Placed(placedAt, "5", SEMGREP, d('a'), List.of(d('b'))))));
    }

    private String refusal(String channel, TargetNaming target, BundleManifest m) {
        AirlockException e = assertThrows(AirlockException.class,
                () -> ChainCheck.check(ImportLedger.load(state, channel, target), m, Digest.parse(d('9')), false));
        assertEquals(AirlockException.Kind.CHAIN_BROKEN, e.kind());
        return e.getMessage();
    }

    @Test
    void aDeltaImportedWithoutThePresetsRules_namesTheRulesItsChainWasImportedWith_andThePreset() {
        TargetNaming preset = target("offline.example:5000/analyzers", "registry.gitlab.com/security-products=");
        record("gitlab-secure", preset, 1, '1', "offline.example:5000/analyzers/semgrep");
        TargetNaming plain = target("offline.example:5000/analyzers");

        String message = refusal("gitlab-secure", plain, delta("gitlab-secure", 2, '1'));
        assertTrue(message.startsWith("bundle 2 of channel 'gitlab-secure' is a delta after bundle 1, but no bundle of this channel has been"
                + " applied to target offline.example:5000/analyzers ("), message);
        assertTrue(message.endsWith(": missing sequence 1. Import the bundles from the last full one on, or ask the sender for a --full"
                + " bundle. Bundle 1 was applied to target " + preset.key() + ", whose --map rules differ: it had --map"
                + " registry.gitlab.com/security-products=, which this import lacks (the rules --preset gitlab-secure gives this bundle:"
                + " add --preset gitlab-secure). Import with the rules that chain was imported with to follow it"), message);

        // behind on its own chain, with a rule of its own: both sides of the difference, no preset note
        TargetNaming other = target("offline.example:5000/analyzers", "registry.gitlab.com/security-products=sp");
        record("gitlab-secure", other, 1, '1', "offline.example:5000/analyzers/sp/semgrep");
        record("gitlab-secure", preset, 2, '2', "offline.example:5000/analyzers/semgrep");
        String behind = refusal("gitlab-secure", other, delta("gitlab-secure", 3, '2'));
        assertTrue(behind.contains(": missing sequence 2. "), behind);
        assertTrue(behind.endsWith(". Bundle 2 was applied to target " + preset.key() + ", whose --map rules differ: it had --map"
                + " registry.gitlab.com/security-products=, which this import lacks; this import adds --map"
                + " registry.gitlab.com/security-products=sp, which it did not have. Import with the rules that chain was imported with"
                + " to follow it"), behind);
    }

    @Test
    void theHint_isBounded_andLeavesOutOtherRegistries_andTodaysMessageStandsWithoutARecordedChain() throws Exception {
        TargetNaming mine = target("r.local/x");
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rules.add("src" + i + "=dst" + i);
        }
        for (int t = 0; t < 4; t++) {
            List<String> these = new ArrayList<>(rules);
            these.add("extra" + t + "=e");
            record("many", target("r.local/x", these.toArray(String[]::new)), 1, '1', "r.local/x/security-products/semgrep");
        }
        record("many", target("other.local/x", "a=b"), 1, '1', "other.local/x/security-products/semgrep");
        String message = refusal("many", mine, delta("many", 2, '1'));
        assertEquals(2, message.split("whose --map rules differ", -1).length - 1, "at most two targets named: " + message);
        assertTrue(message.contains("it had --map extra0=e, --map src0=dst0, --map src1=dst1, --map src2=dst2 and 4 more, which this import"
                + " lacks"), message);
        assertTrue(!message.contains("other.local"), "another registry is another matter: " + message);

        // an earlier ledger (one chain per channel, its rules not recorded) that holds the parent: today's message, nothing added
        Files.createDirectories(state.resolve("channels"));
        try (InputStream in = ImportLedgerTest.class.getResourceAsStream("earlier-ledger-mapped.json")) {
            Files.write(state.resolve("channels/daily.json"), in.readAllBytes());
        }
        String today = refusal("daily", target("registry.local:5000/prod"), delta("daily", 4, '3'));
        assertTrue(today.endsWith(": missing sequences 1 to 3. Import the bundles from the last full one on, or ask the sender for a"
                + " --full bundle"), today);
    }
}
