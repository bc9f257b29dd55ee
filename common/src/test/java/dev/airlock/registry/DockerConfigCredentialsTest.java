package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
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

    @Test
    void readsTheFilesSkopeoReads_inItsOrder_andLoginWritesTheFirst() throws Exception {
        java.util.Map<String, String> env = java.util.Map.of("HOME", "/home/u", "XDG_RUNTIME_DIR", "/run/user/1000");
        assertEquals(Path.of("/run/user/1000/containers/auth.json"), DockerConfigCredentials.loginFile(null, env));
        assertEquals(Path.of("/x/auth.json"), DockerConfigCredentials.loginFile(null, java.util.Map.of("REGISTRY_AUTH_FILE", "/x/auth.json")));
        assertEquals(Path.of("/given.json"), DockerConfigCredentials.loginFile(Path.of("/given.json"), env));
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        assertEquals(Path.of("/run/containers/" + uid + "/auth.json"), DockerConfigCredentials.loginFile(null, java.util.Map.of("HOME", "/h")));

        // An entry in the file login writes wins over docker's config.json, as in containers-auth.json(5).
        Path runtime = tmp.resolve("run");
        Path home = tmp.resolve("home");
        DockerConfigCredentials.store(runtime.resolve("containers/auth.json"), "reg.example", new Credentials("from", "auth-json"));
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"), "{\"auths\":{\"reg.example\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("from:docker".getBytes()) + "\"},\"docker.only\":{\"auth\":\""
                + Base64.getEncoder().encodeToString("d:o".getBytes()) + "\"}}}");
        DockerConfigCredentials both = DockerConfigCredentials.standard(null,
                java.util.Map.of("HOME", home.toString(), "XDG_RUNTIME_DIR", runtime.toString()));
        assertEquals(new Credentials("from", "auth-json"), both.lookup("reg.example").orElseThrow());
        assertEquals(new Credentials("d", "o"), both.lookup("docker.only").orElseThrow());
        // Docker Hub is stored under docker.io, as skopeo login does, and found for its API host.
        DockerConfigCredentials.store(runtime.resolve("containers/auth.json"), "registry-1.docker.io", new Credentials("hub", "pw"));
        assertEquals(new Credentials("hub", "pw"), both.lookup("registry-1.docker.io").orElseThrow());
        assertTrue(Files.readString(runtime.resolve("containers/auth.json")).contains("\"docker.io\""));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime.resolve("containers"))));
    }

    /** Issue 17, defect 9: an auth file that is not one is refused naming it, never read as "no credentials". */
    @Test
    void anAuthFileThatIsNotOne_isRefusedNamingIt_whereverItIsRead() throws Exception {
        Path yaml = Files.writeString(tmp.resolve("auth.json"), "auths: {}\n");
        AirlockException e = assertThrows(AirlockException.class, () -> DockerConfigCredentials.standard(yaml, java.util.Map.of()));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith("auth file " + yaml + " is not JSON: Unrecognized token 'auths'"), e.getMessage());

        // Valid JSON of the wrong shape, found among the standard files at the first 401.
        Path array = Files.writeString(tmp.resolve("config.json"), "[{\"auths\": {}}]");
        e = assertThrows(AirlockException.class, () -> new DockerConfigCredentials(List.of(array), tmp).lookup("reg.example"));
        assertEquals("auth file " + array + " is not an auth file (a JSON object with an \"auths\" object, as docker, podman and skopeo"
                + " write)", e.getMessage());

        Path notBase64 = Files.writeString(tmp.resolve("bad.json"), "{\"auths\": {\"reg.example\": {\"auth\": \"!!not base64\"}}}");
        e = assertThrows(AirlockException.class, () -> new DockerConfigCredentials(List.of(notBase64), tmp).lookup("reg.example"));
        assertEquals(notBase64 + ": the auth entry for reg.example is not base64 of user:password", e.getMessage());
    }

    /** Red-team pass L (L16): a registry named twice, with two passwords, silently took the last; which one is meant is not ours to guess. */
    @Test
    void aRegistryNamedTwice_isRefusedNamingItAndTheLine() throws Exception {
        Path twice = Files.writeString(tmp.resolve("twice.json"), "{\"auths\": {\n  \"reg.example\": {\"auth\": \"YTpi\"},\n"
                + "  \"reg.example\": {\"auth\": \"YTpj\"}\n}}");
        AirlockException e = assertThrows(AirlockException.class, () -> new DockerConfigCredentials(List.of(twice), tmp).lookup("reg.example"));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().startsWith("auth file " + twice + " is not JSON: Duplicate field 'reg.example'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(line 3)"), e.getMessage());
    }

    /** Issue 17, defect 9: base64("a:b:PASSWORD") reads back as user "a", so such a user name is never stored. */
    @Test
    void aUserNameWithAColon_isNeverStored() {
        Path file = tmp.resolve("auth.json");
        AirlockException e = assertThrows(AirlockException.class,
                () -> DockerConfigCredentials.store(file, "reg.example", new Credentials("mirror:admin", "pw")));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("would read it back as user 'mirror'"), e.getMessage());
        assertTrue(!Files.exists(file));
    }

    /**
     * Issue 17, L6: ~/.docker/config.json kept elsewhere through a symbolic link is written through
     * to the file it points to (as docker does), never replaced by a file that breaks the link.
     */
    @Test
    void store_intoASymlinkedAuthFile_writesTheFileItPointsTo_andKeepsTheLink() throws Exception {
        Path real = Files.writeString(Files.createDirectories(tmp.resolve("dotfiles")).resolve("config.json"), "{\"auths\": {}}\n");
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("home/.docker")).resolve("config.json"), real);
        DockerConfigCredentials.store(link, "reg.example", new Credentials("u", "p"));
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertTrue(Files.readString(real).contains(Base64.getEncoder().encodeToString("u:p".getBytes())), Files.readString(real));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(real));
    }

    /**
     * Issue 17, H1: {@code login --authfile /dev/stdout} with stdout redirected to a file. Stand-in
     * for /dev/stdout: a link in a temp dir to /proc/self/fd/N of a regular file this JVM holds
     * open (the real /dev/stdout is never touched). Refused (exit 2), and the link stays.
     */
    @Test
    void store_intoALinkIntoProcSelfFd_isRefused_andTheLinkStays() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        Path redirected = Files.writeString(tmp.resolve("cron.log"), "{\"auths\": {}}\n");
        try (java.io.RandomAccessFile open = new java.io.RandomAccessFile(redirected.toFile(), "r")) {
            Path fd = null;
            try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path f : (Iterable<Path>) fds::iterator) {
                    try {
                        if (Files.readSymbolicLink(f).equals(redirected)) {
                            fd = f;
                        }
                    } catch (java.io.IOException gone) {
                        // the listing's own descriptor, closed meanwhile
                    }
                }
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(fd != null, "no /proc/self/fd entry for " + redirected);
            Path stdout = Files.createSymbolicLink(tmp.resolve("stdout"), fd);
            AirlockException e = assertThrows(AirlockException.class,
                    () -> DockerConfigCredentials.store(stdout, "reg.example", new Credentials("u", "p")));
            assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
            assertTrue(Files.isSymbolicLink(stdout), "the link to " + fd + " was replaced");
        }
    }
}
