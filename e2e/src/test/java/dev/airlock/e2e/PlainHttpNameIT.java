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
 * One name for a registry without TLS (issue 22, item 4): {@code --plain-http HOST} and the config
 * key {@code plainHttp} in both programs, in help and in every message; the old names
 * ({@code --insecure-registry}, {@code insecureRegistries}) still work but are shown nowhere.
 * Against real plain-HTTP docker-registries on loopback.
 */
@ExtendWith(RegistryExtension.class)
class PlainHttpNameIT {
    @TempDir
    Path tmp;

    @Test
    void aPlainRegistrySpokenToOverHttps_saysWhatHappened_andTheOneFlagToUse(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        Path bundle = c.export();
        String said = "airlock spoke HTTPS to " + target.host() + " and got a plain-HTTP answer: that registry has no TLS; to use it"
                + " unencrypted, give --plain-http " + target.host() + " (config key plainHttp), else check the address and port";

        Airlock.Run imported = Airlock.importer(List.of("import", bundle.toString(), "--trust", c.exporterKey[1].toString(),
                "--registry", target.host() + "/mirror", "--state", tmp.resolve("import-state").toString()));
        assertEquals(2, imported.code(), imported.toString());
        assertEquals("airlock-import: " + said, imported.err().strip(), imported.toString());

        Airlock.Run planned = Airlock.export(List.of("plan", "--image", c.images.get(0), "--channel", "c", "--state",
                tmp.resolve("plan-state").toString()));
        assertEquals(2, planned.code(), planned.toString());
        String sourceSaid = said.replace(target.host(), c.source.host());
        assertEquals("airlock-export: " + sourceSaid, planned.err().strip(), planned.toString());
    }

    @Test
    void plainHttpConfigKey_reachesAPlainRegistry_inBothPrograms_andTheOldNamesStillWork(Registries registries) throws Exception {
        TestRegistry target = registries.plain();
        ChainFixture c = new ChainFixture(registries.plain(), target, tmp).seedThree();
        for (String key : List.of("plainHttp", "insecureRegistries")) {
            Path export = Files.writeString(tmp.resolve("export-" + key + ".yaml"), """
                    images: [%s]
                    channel: daily
                    key: exporter.key.asc
                    out: out-%s
                    state: export-state-%s
                    %s: [%s]
                    """.formatted(String.join(", ", c.images), key, key, key, c.source.host()));
            Airlock.Run bundled = Airlock.export(List.of("bundle", "--config", export.toString()));
            assertEquals(0, bundled.code(), key + ": " + bundled);
            Path bundle = tmp.resolve("out-" + key).resolve("daily-000001.airlock.tar");
            assertTrue(Files.isRegularFile(bundle), key + ": " + bundled);

            Path imports = Files.writeString(tmp.resolve("import-" + key + ".yaml"), """
                    trust: [exporter.pub.asc]
                    registry: %s/%s
                    state: import-state-%s
                    %s: [%s]
                    """.formatted(target.host(), key.toLowerCase(), key, key, target.host()));
            Airlock.Run imported = Airlock.importer(List.of("import", "--config", imports.toString(), bundle.toString()));
            assertEquals(0, imported.code(), key + ": " + imported);
            assertEquals("", imported.err(), key + ": the old key is accepted without a word");
        }
        // The old flag, hidden from help, is still accepted silently.
        Airlock.Run old = Airlock.export(List.of("plan", "--image", c.images.get(0), "--channel", "c", "--state",
                tmp.resolve("plan-state").toString(), "--insecure-registry", c.source.host()));
        assertEquals(0, old.code(), old.toString());
        assertEquals("", old.err(), old.toString());
    }

    @Test
    void aConfigGivingPlainHttpUnderBothNames_isRefused_notTheLastOneSilentlyKept() throws Exception {
        Path export = Files.writeString(tmp.resolve("export.yaml"),
                "images: [127.0.0.1:1/a:1]\nchannel: c\nstate: s\nplainHttp: [127.0.0.1:1]\ninsecureRegistries: [127.0.0.1:2]\n");
        Airlock.Run planned = Airlock.export(List.of("plan", "--config", export.toString()));
        assertEquals(2, planned.code(), planned.toString());
        assertEquals("airlock-export: config " + export + ": plainHttp and insecureRegistries (its old name) are the same setting;"
                + " keep plainHttp", planned.err().lines().findFirst().orElse(""), planned.toString());

        Path imports = Files.writeString(tmp.resolve("import.yaml"),
                "insecureRegistries: [127.0.0.1:1]\nplainHttp: [127.0.0.1:2]\ntrust: [x.asc]\nregistry: 127.0.0.1:2/m\n");
        Airlock.Run imported = Airlock.importer(List.of("import", "--config", imports.toString(), tmp.resolve("b.tar").toString()));
        assertEquals(2, imported.code(), imported.toString());
        assertEquals("airlock-import: config " + imports + ": plainHttp and insecureRegistries (its old name) are the same setting;"
                + " keep plainHttp", imported.err().lines().findFirst().orElse(""), imported.toString());
    }

    @Test
    void help_ofEveryCommandThatTalksToARegistry_showsPlainHttp_andNotTheOldNames() {
        for (String command : List.of("bundle", "plan", "login")) {
            assertHelp(Airlock.export(List.of(command, "--help")), "airlock-export " + command);
        }
        for (String command : List.of("import", "watch", "serve", "login")) {
            assertHelp(Airlock.importer(List.of(command, "--help")), "airlock-import " + command);
        }
    }

    private static void assertHelp(Airlock.Run help, String what) {
        assertEquals(0, help.code(), what + ": " + help);
        assertTrue(help.out().contains("--plain-http=HOST:PORT"), what + ":\n" + help.out());
        assertTrue(help.out().contains("config: plainHttp"), what + ":\n" + help.out());
        assertFalse(help.out().contains("insecure-registry"), what + ":\n" + help.out());
        assertFalse(help.out().contains("insecureRegistries"), what + ":\n" + help.out());
    }
}
