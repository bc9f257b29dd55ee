package dev.airlock.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.testing.RegistryExtension;
import dev.airlock.testing.RegistryExtension.Registries;
import dev.airlock.testing.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock-import --config FILE} (issue 12, item 9) against a real loopback registry: the
 * file alone (plus BUNDLE) drives an import, a flag overrides its key, {@code watch --once} takes
 * its inbox from it, and an unknown key or a missing required setting is exit 2 naming both.
 */
@ExtendWith(RegistryExtension.class)
class ImportConfigIT {
    @TempDir
    Path tmp;

    /** A config in {@code c.dir} (where the certificate is), every path in it relative. */
    private static Path config(ChainFixture c, TestRegistry target, String extra) throws Exception {
        return Files.writeString(c.dir.resolve("import.yaml"), """
                # the offline side's settings, shared by import, watch and serve
                trust:
                  - exporter.pub.asc
                registry: %s/mirror
                state: import-state
                plainHttp: [%s]
                %s""".formatted(target.host(), target.host(), extra));
    }

    @Test
    void theConfigAlone_drivesAnImport_andAFlagOverridesItsRegistry(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        Path bundle = c.export();
        Path f = config(c, target, "parallel: 2\n");

        Airlock.Run r = Airlock.importer(List.of("import", "--config", f.toString(), bundle.toString())).ok();
        assertTrue(r.out().startsWith("imported " + bundle), r.out());
        c.assertAllIdentical();
        assertTrue(Files.exists(tmp.resolve("import-state/channels/daily.json")), "state: import-state, relative to the config file");

        // The same file, --registry on the command line: the images land under the flag's prefix, not the key's.
        Airlock.importer(List.of("import", "--config", f.toString(), bundle.toString(), "--registry", target.host() + "/other")).ok();
        assertTrue(Fixture.get(target, "/v2/other/app/a/tags/list").contains("\"1\""), Fixture.get(target, "/v2/_catalog"));
    }

    @Test
    void watchOnce_takesItsInboxFromTheConfig(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        Path bundle = c.export();
        Path inbox = Files.createDirectories(tmp.resolve("inbox"));
        Files.copy(bundle, inbox.resolve(bundle.getFileName()));
        Path f = config(c, target, "inbox: inbox\npollInterval: 200ms\nsettle: 100ms\n");

        Airlock.Run r = Airlock.importer(List.of("watch", "--config", f.toString(), "--once"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("once: 1 imported"), r.out());
        assertTrue(Files.exists(inbox.resolve("done").resolve(bundle.getFileName())), r.out());
        c.assertAllIdentical();
    }

    @Test
    void anUnknownKey_isExit2_namingTheKeyAndTheFile_beforeAnyRegistryIsContacted(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        Path bundle = c.export();
        Path f = config(c, target, "insecure-registry: " + target.host() + "\n");

        Airlock.Run r = Airlock.importer(List.of("import", "--config", f.toString(), bundle.toString()));
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("airlock-import: config " + f + ": unknown setting 'insecure-registry' (known: trust, "), r.err());
        assertEquals("{\"repositories\":[]}", Fixture.get(target, "/v2/_catalog").trim(), "nothing reached the registry");
    }

    @Test
    void aMissingRequiredSetting_namesTheFlagAndTheKey(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp);
        Path f = Files.writeString(tmp.resolve("import.yaml"), "trust: exporter.pub.asc\n");

        Airlock.Run r = Airlock.importer(List.of("import", "--config", f.toString(), tmp.resolve("x.airlock.tar").toString()));
        assertEquals(2, r.code(), r.toString());
        assertEquals("airlock-import: missing --registry HOST[:PORT][/PREFIX] (or registry: in the --config file " + f + ")",
                r.err().strip());

        r = Airlock.importer(List.of("watch", "--config", f.toString(), "--once", "--registry", target.host()));
        assertEquals(2, r.code(), r.toString());
        assertEquals("airlock-import: missing DIR (or inbox: in the --config file " + f + ")", r.err().strip());

        r = Airlock.importer(List.of("verify", tmp.resolve("x.airlock.tar").toString()));
        assertEquals(2, r.code(), r.toString());
        assertEquals("airlock-import: missing --trust CERT.asc (or trust: in a --config FILE)", r.err().strip());
        assertFalse(r.err().contains("Missing required option"), r.err());
    }
}
