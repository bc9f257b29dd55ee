package dev.airlock.registry;

import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.oci.RawManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The second process of {@code ReferrersTagIndexIT}: attaches referrers (already pushed, by digest)
 * to one subject through a {@link RegistrySink} with a lock directory, once the parent says go.
 * Args: HOST REPO SUBJECT LOCKDIR READYFILE GOFILE DIGEST,DIGEST,…
 */
public final class AttachReferrersMain {
    private AttachReferrersMain() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        Repo repo = new Repo(host, args[1]);
        Digest subject = Digest.parse(args[2]);
        RegistryClient client = new RegistryClient(RegistryOptions.defaults().withInsecure(Set.of(host)).withRetries(3, Duration.ofMillis(50)));
        RegistryClient.Repository r = client.repository(host, repo.name());
        RegistrySink sink = new RegistrySink(client, Path.of(args[3]));
        java.util.List<RawManifest> referrers = new java.util.ArrayList<>();
        for (String d : args[6].split(",")) {
            referrers.add(r.getManifest(d));
        }
        Files.createFile(Path.of(args[4]));
        while (!Files.exists(Path.of(args[5]))) {
            Thread.sleep(5);
        }
        for (RawManifest m : referrers) {
            sink.attachReferrer(repo, subject, m);
        }
        client.close();
        System.exit(0);
    }
}
