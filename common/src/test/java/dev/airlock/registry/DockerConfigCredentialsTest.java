package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigCredentialsTest {
    @TempDir
    Path tmp;

    @Test
    void readsAuthsEntries_andRunsCredentialHelpers() throws Exception {
        Path helper = tmp.resolve("docker-credential-airlocktest");
        Files.writeString(helper, "#!/bin/sh\nread host\nif [ \"$host\" = helped.example ]; then\n"
                + "echo '{\"ServerURL\":\"helped.example\",\"Username\":\"robot\",\"Secret\":\"from-helper\"}'\nelse\n"
                + "echo 'credentials not found in native keychain'; exit 1\nfi\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        Path config = tmp.resolve("config.json");
        String auth = Base64.getEncoder().encodeToString("alice:pa:ss".getBytes());
        Files.writeString(config, "{\"auths\":{\"https://reg.example:5000\":{\"auth\":\"" + auth + "\"}},"
                + "\"credHelpers\":{\"helped.example\":\"airlocktest\"}}");
        DockerConfigCredentials creds = new DockerConfigCredentials(List.of(tmp.resolve("absent.json"), config), tmp);
        assertEquals(new Credentials("alice", "pa:ss"), creds.lookup("reg.example:5000").orElseThrow());
        assertEquals(new Credentials("robot", "from-helper"), creds.lookup("helped.example").orElseThrow());
        assertTrue(creds.lookup("other.example").isEmpty());
        assertTrue(!new Credentials("a", "secret").toString().contains("secret"));
    }
}
