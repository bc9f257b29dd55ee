package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.io.ChannelLock;
import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan} runs where the key is not: it opens no key, takes no lock, writes nothing, and
 * predicts the exact size of the bundle {@code bundle} then writes.
 */
@ExtendWith(RegistryExtension.class)
class PlanIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private ChainFixture channel(Registries r) throws Exception {
        return new ChainFixture(r.plain(), r.plain(), tmp).seedThree();
    }

    private Path state() {
        return tmp.resolve("export-state");
    }

    private Path out() {
        return tmp.resolve("out");
    }

    /** plan with only what it reads: images, channel, state and registry flags, plus {@code extra}. */
    private JsonNode plan(ChainFixture c, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("plan", "--json", "--channel", "daily", "--state", state().toString()));
        for (String i : c.images) {
            args.addAll(List.of("--image", i));
        }
        args.addAll(c.source.cliFlags());
        args.addAll(List.of(extra));
        return JSON.readTree(Airlock.export(args).ok().out());
    }

    private Path bundle(ChainFixture c, Path... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("bundle", "--channel", "daily", "--out", out().toString(), "--state", state().toString()));
        for (Path k : keys) {
            args.addAll(List.of("--key", k.toString()));
        }
        for (String i : c.images) {
            args.addAll(List.of("--image", i));
        }
        args.addAll(c.source.cliFlags());
        Airlock.Run r = Airlock.export(args).ok();
        String line = r.out().lines().filter(l -> l.startsWith("bundle ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        return Path.of(line.substring("bundle".length()).trim());
    }

    @Test
    void planWithNoKey_predictsTheExactSizeOfTheNextBundle_on20ConsecutiveRuns(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        for (int run = 1; run <= 20; run++) {
            if (run % 4 == 0) {
                c.changeA(10_000 + run * 997); // some deltas carry a new layer, the rest only manifests
            }
            JsonNode p = plan(c);
            assertEquals(run, p.at("/bundle/sequence").asLong(), p.toString());
            assertEquals(1, p.path("signerCount").asInt(), "no --key counts as one signer");
            assertEquals(String.format("daily-%06d.airlock.tar", run), p.at("/bundle/path").asText(), "no --out: the bare file name");
            Path written = bundle(c, c.exporterKey[0]);
            assertEquals(p.at("/bundle/size").asLong(), Files.size(written), "run " + run + ": predicted and written sizes");
        }
    }

    @Test
    void predictedSize_isTheWrittenSize_forOneAndTwoSigners_andTheImporterChecksBoth(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path[] second = Fixture.keygen(tmp, "second");

        JsonNode one = plan(c, "--key", c.exporterKey[0].toString());
        assertEquals(1, one.path("signerCount").asInt());
        Path first = bundle(c, c.exporterKey[0]);
        assertEquals(one.at("/bundle/size").asLong(), Files.size(first), "one signer");

        JsonNode two = plan(c, "--key", c.exporterKey[0].toString(), "--key", second[0].toString(), "--out", out().toString());
        assertEquals(2, two.path("signerCount").asInt());
        assertEquals(512 + 4096, two.at("/bundle/size").asLong() - plan(c).at("/bundle/size").asLong(),
                "a second signer adds 512 bytes of signature and 4096 of certificate in bundle.json");
        assertEquals(out().resolve("daily-000002.airlock.tar").toString(), two.at("/bundle/path").asText());
        Path signedTwice = bundle(c, c.exporterKey[0], second[0]);
        assertEquals(two.at("/bundle/size").asLong(), Files.size(signedTwice), "two signers");
        assertEquals(1024, entrySize(signedTwice, "airlock/bundle.json.asc"), "512 bytes per signer");
        assertEquals(512, entrySize(first, "airlock/bundle.json.asc"));

        Airlock.importer(List.of("verify", signedTwice.toString(), "--trust", c.exporterKey[1].toString(), "--trust", second[1].toString(),
                "--threshold", "2")).ok();
    }

    @Test
    void planWithAMissingKeyFile_whileAnExportHoldsTheLock_neitherBlocksNorFails_andWritesNothing(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Path first = bundle(c, c.exporterKey[0]);
        // An export in the middle of its rename: it holds the lock, its ledger has the bundle as pending,
        // and its .partial is there.
        Path ledger = state().resolve("channels").resolve("daily.json");
        ObjectNode root = (ObjectNode) JSON.readTree(ledger.toFile());
        ObjectNode entry = root.path("bundles").get(0).deepCopy();
        entry.put("sequence", 2).put("parent", 1).put("file", "daily-000002.airlock.tar").put("digest", "sha256:" + "ab".repeat(32));
        Path partial = Files.write(out().resolve(".daily-000002.airlock.tar.partial"), new byte[4096]);
        root.putObject("pending").<ObjectNode>set("entry", entry).put("partialPath", partial.toString());
        Files.write(ledger, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));

        Path missingKey = tmp.resolve("nowhere").resolve("exporter.key.asc");
        String[] sameCommandLine = {"--key", missingKey.toString(), "--passphrase-file", tmp.resolve("nowhere/pass").toString(),
                "--out", out().toString()};
        try (ChannelLock held = ChannelLock.acquire(state(), "daily", "airlock-export")) {
            Map<String, String> before = snapshot(state(), out());
            JsonNode p = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> plan(c, sameCommandLine));
            assertEquals(2, p.at("/bundle/sequence").asLong(), "the pending bundle never got its name: the next is 2 again");
            assertEquals(before, snapshot(state(), out()), "plan changed the state or the output directory");
            assertTrue(Files.exists(partial), "plan must never remove a running export's .partial");

            // The running export renamed its bundle: the pending one counts, though the ledger still says pending.
            Files.move(partial, out().resolve("daily-000002.airlock.tar"));
            before = snapshot(state(), out());
            p = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> plan(c, sameCommandLine));
            assertEquals(3, p.at("/bundle/sequence").asLong(), p.toString());
            assertEquals(2, p.at("/bundle/parent/sequence").asLong(), p.toString());
            assertEquals(before, snapshot(state(), out()), "plan changed the state or the output directory");

            held.close();
            // bundle settles the ledger the way plan read it, and writes the size plan predicted.
            Path third = bundle(c, c.exporterKey[0]);
            assertEquals(out().resolve("daily-000003.airlock.tar"), third);
            assertEquals(p.at("/bundle/size").asLong(), Files.size(third));
        }
        assertTrue(Files.exists(first));
    }

    @Test
    void planOnAFreshStateAndOutput_createsNeitherDirectory(Registries registries) throws Exception {
        ChainFixture c = channel(registries);
        Map<String, String> before = snapshot(tmp);
        JsonNode p = plan(c, "--key", c.exporterKey[0].toString(), "--out", out().toString());
        assertEquals(1, p.at("/bundle/sequence").asLong());
        assertTrue(p.at("/bundle/parent").isNull(), p.toString());
        assertFalse(Files.exists(state()), "plan created the state directory");
        assertFalse(Files.exists(out()), "plan created the output directory");
        assertEquals(before, snapshot(tmp));
    }

    private static long entrySize(Path bundle, String name) throws IOException {
        try (TarFile tar = new TarFile(bundle)) {
            return tar.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getSize();
        }
    }

    /** Every file and directory under the roots: type, size, modification time and content digest. */
    private static Map<String, String> snapshot(Path... roots) throws IOException {
        Map<String, String> all = new TreeMap<>();
        for (Path root : roots) {
            if (!Files.exists(root)) {
                all.put(root.toString(), "absent");
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.toList()) {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    String content = a.isRegularFile() ? Digest.sha256Of(Files.readAllBytes(p)).toString() : "dir";
                    all.put(p.toString(), a.size() + " " + a.lastModifiedTime().toInstant() + " " + content);
                }
            }
        }
        return all;
    }
}
