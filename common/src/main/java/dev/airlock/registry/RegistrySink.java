package dev.airlock.registry;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.function.LongConsumer;

/**
 * Images written to a registry: blobs uploaded (monolithic, a new session per attempt) or linked by
 * cross-repository mount, manifests put by digest, tags put last by the engine.
 */
public final class RegistrySink implements ImageSink {
    private final RegistryClient client;

    public RegistrySink(RegistryClient client) {
        this.client = client;
    }

    private RegistryClient.Repository repo(Repo r) {
        return client.repository(r.host(), r.name());
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        return repo(repo).hasBlob(blob.digest());
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        repo(repo).uploadBlob(blob.digest(), blob.size(), new CountingContent(content.content(), progress), 0);
    }

    @Override
    public boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        return into.host().equals(from.host()) && repo(into).mountBlob(blob.digest(), from.name());
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        return repo(repo).headManifest(manifest.digest().toString()).isPresent();
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        repo(repo).putManifest(manifest.digest().toString(), manifest);
    }

    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        RegistryClient.Repository r = repo(repo);
        if (r.headManifest(tag).map(manifest.digest()::equals).orElse(false)) {
            return false;
        }
        r.putManifest(tag, manifest);
        return true;
    }
}
