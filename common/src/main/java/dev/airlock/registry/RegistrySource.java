package dev.airlock.registry;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.util.List;
import java.util.Optional;

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

    /** Every page of the registry's tag list (see {@link RegistryClient.Repository#listTags()}). */
    @Override
    public List<String> tags(Repo repo) {
        return client.repository(repo.host(), repo.name()).listTags();
    }

    /** The registry's referrers API (see {@link RegistryClient.Repository#referrers}); its absence is asked once per host. */
    @Override
    public Optional<List<Referrer>> referrers(Repo repo, Digest subject) {
        return client.repository(repo.host(), repo.name()).referrers(subject);
    }
}
