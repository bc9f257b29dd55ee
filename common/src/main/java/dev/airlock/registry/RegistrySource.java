package dev.airlock.registry;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;

/** Images read from registries over the distribution API; blobs are pushed to the sink as they download. */
public final class RegistrySource implements ImageSource {
    private final RegistryClient client;

    public RegistrySource(RegistryClient client) {
        this.client = client;
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        return client.repository(repo.host(), repo.name()).getManifest(reference);
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor blob) {
        RegistryClient.Repository r = client.repository(repo.host(), repo.name());
        return sink -> r.fetchBlob(blob.digest(), blob.size(), sink);
    }
}
