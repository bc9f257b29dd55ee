package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every --json output against the README's one vocabulary ("JSON output"): plan, bundle (written
 * and unchanged), verify, import, list, diff on a real registry, and the airlock-error/v1 object
 * for a usage error, a missing image and a damaged bundle. (push: SftpPushIT.)
 */
@ExtendWith(RegistryExtension.class)
class JsonOutputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyCommandsJson_usesTheDocumentedVocabulary_andEveryDocumentedFieldAppears(Registries r) throws Exception {
        JsonVocabulary v = JsonVocabulary.fromReadme();
        Map<String, Set<String>> seen = new HashMap<>();
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
        String trust = c.exporterKey[1].toString();

        JsonNode plan = check(v, seen, "plan", Airlock.export(c.exportArgs("plan", "--json")).ok());
        assertEquals(c.dir.resolve("out").resolve("daily-000001.airlock.tar").toString(), plan.at("/bundle/path").asText());
        assertTrue(plan.at("/bundle/digest").isNull(), plan.toString());
        assertEquals(3, plan.path("images").size());
        assertEquals("new", plan.at("/images/0/change").asText());

        JsonNode first = check(v, seen, "bundle", Airlock.export(c.exportArgs("bundle", "--json")).ok());
        Path firstPath = Path.of(first.at("/bundle/path").asText());
        assertTrue(first.path("changed").asBoolean());
        assertEquals(plan.at("/bundle/size").asLong(), first.at("/bundle/size").asLong(), "plan's size is the size written");
        assertEquals(plan.at("/blobs/carried").asInt(), first.at("/blobs/carried").asInt());
        assertTrue(first.at("/bundle/digest").asText().startsWith("sha256:"));

        JsonNode verify = check(v, seen, "verify", Airlock.importer(List.of("verify", firstPath.toString(), "--trust", trust, "--json")).ok());
        assertEquals(first.at("/bundle/digest").asText(), verify.at("/bundle/digest").asText());
        assertEquals(first.path("signers"), verify.path("signers"));

        JsonNode imported = check(v, seen, "import", c.importInto(firstPath, c.target, c.dir.resolve("import-state"), "--json").ok());
        assertEquals(first.at("/bundle/digest").asText(), imported.at("/bundle/digest").asText());
        for (JsonNode i : imported.path("images")) {
            assertTrue(i.path("target").asText().startsWith(c.target.host() + "/mirror/"), i.toString());
            assertTrue(c.images.contains(i.path("source").asText()), i.toString());
        }

        c.changeA(50_000);
        JsonNode second = check(v, seen, "bundle", Airlock.export(c.exportArgs("bundle", "--json")).ok());
        Path secondPath = Path.of(second.at("/bundle/path").asText());
        assertEquals(1, second.at("/bundle/parent/sequence").asInt());
        assertTrue(second.at("/blobs/required").asInt() > 0, second.toString());

        JsonNode list = check(v, seen, "list", Airlock.importer(List.of("list", secondPath.toString(), "--trust", trust, "--json")).ok());
        assertEquals(second.at("/bundle/digest").asText(), list.at("/bundle/digest").asText());
        assertEquals(second.at("/blobs/carried").asInt(), list.at("/blobs/carried").asInt());

        JsonNode diff = check(v, seen, "diff", Airlock.importer(List.of("diff", firstPath.toString(), secondPath.toString(), "--trust",
                trust, "--json")).ok());
        assertEquals(1, diff.path("images").findValuesAsText("change").stream().filter("changed"::equals).count(), diff.toString());

        JsonNode unchanged = check(v, seen, "bundle", Airlock.export(c.exportArgs("bundle", "--if-changed", "--json")).ok());
        assertFalse(unchanged.path("changed").asBoolean(true));
        assertTrue(unchanged.path("bundle").isNull());
        assertEquals(secondPath.getFileName().toString(), unchanged.at("/last/path").asText());

        // With --platform, a cut index is stated in plan, list and import.
        JsonNode cutPlan = check(v, seen, "plan", Airlock.export(c.exportArgs("plan", "--platform", "linux/amd64", "--json")).ok());
        assertTrue(cutPlan.path("platformNotes").size() > 0, cutPlan.toString());
        JsonNode cut = check(v, seen, "bundle", Airlock.export(c.exportArgs("bundle", "--platform", "linux/amd64", "--json")).ok());
        Path cutPath = Path.of(cut.at("/bundle/path").asText());
        check(v, seen, "list", Airlock.importer(List.of("list", cutPath.toString(), "--trust", trust, "--json")).ok());
        check(v, seen, "import", c.importInto(firstPath, c.target, c.dir.resolve("import-cut"), "--json").ok());
        JsonNode cutImport = check(v, seen, "import", c.importInto(secondPath, c.target, c.dir.resolve("import-cut"), "--json").ok());
        assertTrue(cutImport.path("images").size() > 0, cutImport.toString());
        check(v, seen, "import", c.importInto(cutPath, c.target, c.dir.resolve("import-cut"), "--json").ok());

        // Every documented field appears in some output of the commands run here (push: SftpPushIT; the rest only with a preset).
        Set<String> conditional = Set.of("preset", "artifacts", "secureAnalyzersPrefix", "push", "changes");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Set<String>> f : v.fields.entrySet()) {
            boolean runHere = f.getValue().stream().anyMatch(seen::containsKey);
            boolean found = f.getValue().stream().anyMatch(cmd -> seen.getOrDefault(cmd, Set.of()).contains(f.getKey()))
                    || f.getValue().contains("all") && seen.values().stream().anyMatch(s -> s.contains(f.getKey()));
            if (runHere && !found && !conditional.contains(f.getKey())) {
                missing.add(f.getKey() + " (" + f.getValue() + ")");
            }
        }
        assertTrue(missing.isEmpty(), "documented but in no output: " + missing);
    }

    @Test
    void failuresWithJson_printTheErrorObject_withTheKindTheExitCodeAndTheStderrLine(Registries r) throws Exception {
        JsonVocabulary v = JsonVocabulary.fromReadme();
        ChainFixture c = new ChainFixture(r.plain(), r.plain(), tmp);
        c.put("app/a", "1", dev.airlock.testing.TestImages.image(true, "amd64", null, ChainFixture.BASE,
                dev.airlock.testing.TestImages.Layer.random(4711, 40_000)));

        // A usage error picocli raises (an unknown option).
        Airlock.Run usage = Airlock.importer(List.of("verify", "x.tar", "--json", "--no-such-option"));
        assertError(v, usage, "USAGE", 2);

        // An image that is not at the source.
        List<String> args = c.exportArgs("plan", "--json");
        args.addAll(List.of("--image", c.source.host() + "/no/such:1"));
        assertError(v, Airlock.export(args), "NOT_FOUND", 2);

        // A bundle with one byte flipped in a blob.
        JsonNode b = JSON.readTree(Airlock.export(c.exportArgs("bundle", "--json")).ok().out());
        Path bundle = Path.of(b.at("/bundle/path").asText());
        String blob = Fixture.entryNames(bundle).stream().filter(n -> n.startsWith("blobs/sha256/")).reduce((x, y) -> y).orElseThrow();
        Fixture.flipByte(bundle, blob, 10);
        JsonNode e = assertError(v, Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString(), "--json")),
                "DIGEST_MISMATCH", 3);
        assertTrue(e.at("/error/message").asText().contains(blob.substring("blobs/".length()).replace('/', ':'))
                || e.at("/error/message").asText().contains(blob), e.toString());

        // Without --json a failure prints nothing on stdout, as before.
        Airlock.Run plain = Airlock.importer(List.of("verify", bundle.toString(), "--trust", c.exporterKey[1].toString()));
        assertEquals(3, plain.code());
        assertEquals("", plain.out());
    }

    private static JsonNode assertError(JsonVocabulary v, Airlock.Run run, String code, int exit) throws Exception {
        assertEquals(exit, run.code(), run.toString());
        v.check("error", run.out());
        JsonNode o = JSON.readTree(run.out());
        assertEquals(code, o.at("/error/code").asText(), run.toString());
        assertEquals(exit, o.at("/error/exitCode").asInt());
        String line = run.err().lines().filter(l -> l.startsWith("airlock-")).findFirst().orElseThrow();
        assertEquals(line.substring(line.indexOf(": ") + 2), o.at("/error/message").asText(), "the same line as on stderr");
        return o;
    }

    private static JsonNode check(JsonVocabulary v, Map<String, Set<String>> seen, String command, Airlock.Run run) throws Exception {
        seen.computeIfAbsent(command, k -> new LinkedHashSet<>()).addAll(v.check(command, run.out()));
        return JSON.readTree(run.out());
    }
}
