package dev.airlock.e2e;

import dev.airlock.testing.TestRegistry;
import dev.airlock.testing.Tools;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** Helpers shared by the end-to-end tests: keys, skopeo digests, byte flips, registry probes. */
final class Fixture {
    private Fixture() {
    }

    /** Makes a key pair with the CLI; returns {key, cert}. */
    static Path[] keygen(Path dir, String name) {
        Path key = dir.resolve(name + ".key.asc");
        Path cert = dir.resolve(name + ".pub.asc");
        Airlock.export(List.of("keygen", "--uid", name + " <" + name + "@airlock.test>", "--key", key.toString(),
                "--cert", cert.toString())).ok();
        return new Path[] {key, cert};
    }

    /** sha256 of {@code skopeo inspect --raw}: the digest a third-party tool sees. */
    static String skopeoDigest(TestRegistry r, String reference) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect", "--raw"));
        if (r.tls()) {
            cmd.addAll(List.of("--cert-dir", r.caFile().getParent().toString(), "--creds", TestRegistry.USER + ":" + TestRegistry.PASSWORD));
        } else {
            cmd.add("--tls-verify=false");
        }
        cmd.add("docker://" + reference);
        Path tmp = java.nio.file.Files.createTempFile("raw", ".json");
        Tools.Result res = Tools.run(List.of("sh", "-c", String.join(" ", quote(cmd)) + " > " + tmp), java.util.Map.of(), null);
        if (res.exitCode() != 0) {
            throw new AssertionError("skopeo inspect " + reference + " failed: " + res.stderr());
        }
        byte[] raw = java.nio.file.Files.readAllBytes(tmp);
        java.nio.file.Files.delete(tmp);
        return dev.airlock.digest.Digest.sha256Of(raw).toString();
    }

    private static List<String> quote(List<String> args) {
        return args.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList();
    }

    /** Flips one byte of the entry {@code name} at {@code offsetInEntry}. */
    static void flipByte(Path bundle, String name, long offsetInEntry) throws Exception {
        long at;
        try (TarFile tar = new TarFile(bundle)) {
            TarArchiveEntry e = tar.getEntries().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
            at = e.getDataOffset() + offsetInEntry;
        }
        try (RandomAccessFile f = new RandomAccessFile(bundle.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    static List<String> entryNames(Path bundle) throws Exception {
        try (TarFile tar = new TarFile(bundle)) {
            return tar.getEntries().stream().map(TarArchiveEntry::getName).toList();
        }
    }

    /** HTTP status of a plain-registry API path, e.g. /v2/REPO/tags/list. */
    static int status(TestRegistry plain, String method, String path) throws Exception {
        HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + plain.host() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode();
    }

    static String get(TestRegistry plain, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + plain.host() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Empties a running registry's storage, as if it were rebuilt empty on the same host and port:
     * the same target to the importer, without the images. Only for a {@code docker-registry}
     * process (its storage is a directory here); skipped, saying so, for the container fallback.
     */
    static void wipe(TestRegistry r) throws Exception {
        Path data = r.dir().resolve("data");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(r.dir().resolve("config.yml")),
                "needs Debian's docker-registry process to wipe a registry's storage in place "
                        + "(the registry:2 container fallback keeps it inside the container)");
        if (java.nio.file.Files.exists(data)) {
            try (var walk = java.nio.file.Files.walk(data)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (!"{\"repositories\":[]}".equals(get(r, "/v2/_catalog").trim())) {
            throw new AssertionError("registry " + r.host() + " still lists repositories after its storage was removed");
        }
    }
}
